//! Shared by the fuzz targets that load YAML: the loader turns panics inside the YAML
//! library into located input errors, which libfuzzer would otherwise count as crashes.

use std::cell::Cell;
use std::collections::HashSet;
use std::panic;
use std::sync::{Mutex, PoisonError};

thread_local! {
    /// Set by the panic hook when the YAML library panicked during this input.
    pub static DEPENDENCY_PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Source path fragment of the YAML library, whose known panics the loader contains.
const YAML_LIBRARY: &str = "libyaml-safer";

/// libfuzzer-sys aborts on every panic. The loader turns panics inside the YAML library
/// into input errors, so those are recorded and checked instead (each distinct panic
/// site is printed once), unless `MOAT_FUZZ_STRICT` is set (to get reproducers).
pub fn install_panic_hook() {
    if std::env::var_os("MOAT_FUZZ_STRICT").is_some() {
        return;
    }
    let abort_hook = panic::take_hook();
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    panic::set_hook(Box::new(move |info| {
        let Some(loc) = info.location().filter(|l| l.file().contains(YAML_LIBRARY)) else {
            abort_hook(info);
            return;
        };
        DEPENDENCY_PANICKED.with(|p| p.set(true));
        let site = format!("{}:{}", loc.file(), loc.line());
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.insert(site.clone()) {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                .unwrap_or("?");
            eprintln!("moat-fuzz: tolerated YAML library panic at {site}: {msg}");
        }
    }));
}

/// Lines as editors count them: `\n`, `\r\n` and a lone `\r` end a line.
pub fn count_lines(data: &[u8]) -> u32 {
    let mut n = 1usize;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    u32::try_from(n).unwrap_or(u32::MAX)
}
