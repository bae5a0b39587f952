//! The thread the tray icon lives on, and how the others hand it work. GTK's main loop on
//! Linux (tray-icon publishes the menu through libappindicator there); tao's event loop on
//! macOS and Windows, where tray-icon needs the system's own (NSApplication, a Win32
//! message loop) — tao is what Tauri runs on, already in the lock file, and without wry it
//! links no WebKit.

pub use imp::{invoke, quit, run};

#[cfg(target_os = "linux")]
mod imp {
    use anyhow::{Context, Result};
    use gtk::glib;

    /// Starts GTK, calls `first` (the icon is made there), and runs the loop until
    /// [`quit`].
    pub fn run(first: impl FnOnce() -> Result<()>) -> Result<()> {
        gtk::init().context(
            "cannot start GTK: no display (DISPLAY and WAYLAND_DISPLAY are unset?). \
             Without a desktop, run `stint agent` instead",
        )?;
        first()?;
        gtk::main();
        Ok(())
    }

    /// Runs `f` on the loop's thread (from any thread).
    pub fn invoke(f: impl FnOnce() + Send + 'static) {
        glib::MainContext::default().invoke(f);
    }

    /// Ends the loop (from any thread); `run` then returns.
    pub fn quit() {
        invoke(gtk::main_quit);
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::sync::{Mutex, OnceLock};

    use anyhow::{Result, anyhow};
    use tao::event::{Event, StartCause};
    use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
    use tao::platform::run_return::EventLoopExtRunReturn;

    enum Call {
        Run(Box<dyn FnOnce() + Send>),
        Quit,
    }

    static PROXY: OnceLock<Mutex<EventLoopProxy<Call>>> = OnceLock::new();

    /// Makes the loop, calls `first` once it runs (macOS wants the icon made then), and
    /// runs it until [`quit`].
    pub fn run(first: impl FnOnce() -> Result<()>) -> Result<()> {
        let mut event_loop = EventLoopBuilder::<Call>::with_user_event().build();
        // A menu-bar presence: no Dock icon, no menu bar of its own.
        #[cfg(target_os = "macos")]
        {
            use tao::platform::macos::{ActivationPolicy, EventLoopExtMacOS};
            event_loop.set_activation_policy(ActivationPolicy::Accessory);
        }
        let _ = PROXY.set(Mutex::new(event_loop.create_proxy()));
        let mut first = Some(first);
        let mut failed = None;
        event_loop.run_return(|event, _, control_flow| {
            *control_flow = ControlFlow::Wait;
            match event {
                Event::NewEvents(StartCause::Init) => {
                    if let Some(first) = first.take()
                        && let Err(e) = first()
                    {
                        failed = Some(e);
                        *control_flow = ControlFlow::Exit;
                    }
                }
                Event::UserEvent(Call::Run(job)) => job(),
                Event::UserEvent(Call::Quit) => *control_flow = ControlFlow::Exit,
                _ => {}
            }
        });
        match failed {
            Some(e) => Err(e),
            None if first.is_some() => Err(anyhow!("the tray's event loop never started")),
            None => Ok(()),
        }
    }

    fn send(call: Call) {
        let Some(proxy) = PROXY.get() else {
            tracing::warn!("the tray's event loop is not running");
            return;
        };
        let proxy = proxy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if proxy.send_event(call).is_err() {
            tracing::debug!("the tray's event loop has ended");
        }
    }

    /// Runs `f` on the loop's thread (from any thread).
    pub fn invoke(f: impl FnOnce() + Send + 'static) {
        send(Call::Run(Box::new(f)));
    }

    /// Ends the loop (from any thread); `run` then returns.
    pub fn quit() {
        send(Call::Quit);
    }
}
