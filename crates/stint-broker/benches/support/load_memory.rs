//! The broker's memory as `broker_load` reports it: VmRSS and VmHWM read from /proc, and
//! VmRSS sampled through the run with the phase it was taken in.

use std::sync::Arc;

use super::broker_process::status_mib;

/// (VmRSS, VmHWM) in MiB.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    (status_mib(pid, "VmRSS:"), status_mib(pid, "VmHWM:"))
}

/// The broker's VmRSS, sampled every 250 ms, and the phase of the run it was taken in.
#[derive(Clone, Default)]
pub struct Memory(Arc<std::sync::Mutex<Samples>>);

/// The current phase, and every (phase, VmRSS in MiB) sample so far.
#[derive(Default)]
pub struct Samples {
    phase: String,
    taken: Vec<(String, f64)>,
}

impl Memory {
    pub fn phase(&self, name: &str) {
        self.0.lock().map(|mut m| m.phase = name.to_owned()).ok();
    }

    pub fn sample(&self, pid: u32) {
        let rss = status_mib(pid, "VmRSS:");
        if let Ok(mut m) = self.0.lock() {
            let phase = m.phase.clone();
            m.taken.push((phase, rss));
        }
    }

    /// Each phase with the highest VmRSS sampled in it, in the order they ran.
    pub fn peaks(&self) -> Vec<(String, f64)> {
        let Ok(m) = self.0.lock() else {
            return Vec::new();
        };
        let mut out: Vec<(String, f64)> = Vec::new();
        for (phase, rss) in &m.taken {
            match out.iter_mut().find(|(p, _)| p == phase) {
                Some(entry) => entry.1 = entry.1.max(*rss),
                None => out.push((phase.clone(), *rss)),
            }
        }
        out
    }
}
