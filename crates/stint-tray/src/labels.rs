//! Words for time left, as the tray menu says them. The same words as the window's
//! countdown and the app's tray: held to `src-tauri/src/time_left_cases.json`, the cases
//! both of those are tested against.

/// Time left in whole minutes: `41 min left`, `1 h 5 min left`, `less than a minute
/// left`, `ended`.
pub fn left(seconds: i64) -> String {
    if seconds <= 0 {
        return "ended".to_owned();
    }
    if seconds < 60 {
        return "less than a minute left".to_owned();
    }
    let minutes = seconds / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min left"),
        (h, 0) => format!("{h} h left"),
        (h, m) => format!("{h} h {m} min left"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Cases {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        seconds: i64,
        left: String,
    }

    #[test]
    fn time_left_reads_as_the_window_and_the_app_say_it() {
        let cases: Cases =
            serde_json::from_str(include_str!("../../../src-tauri/src/time_left_cases.json"))
                .unwrap();
        assert!(cases.cases.len() > 10);
        for case in cases.cases {
            assert_eq!(left(case.seconds), case.left, "{} s", case.seconds);
        }
    }
}
