// The window's notion of now, for countdowns. It ticks once a second only while the
// window is shown and something counts down; otherwise nothing runs.

let now = $state(Date.now());
let timer: ReturnType<typeof setInterval> | undefined;
let shown = false;
let counting = false;

function update() {
  const want = shown && counting;
  if (want && timer === undefined) {
    now = Date.now();
    timer = setInterval(() => (now = Date.now()), 1000);
  } else if (!want && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

export const clock = {
  get now() {
    return now;
  },
  /** Refreshes `now` once, for a window that just changed state. */
  touch() {
    now = Date.now();
  },
  setShown(value: boolean) {
    shown = value;
    update();
  },
  setCounting(value: boolean) {
    counting = value;
    update();
  },
  get ticking() {
    return timer !== undefined;
  },
};
