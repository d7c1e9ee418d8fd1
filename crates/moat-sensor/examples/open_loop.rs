//! Load generator for the sensor's figures: opens and closes a file (default
//! `/etc/hostname`) as fast as it can for the given seconds (default 5) and prints the
//! opens per second. `cargo run --release -p moat-sensor --example open_loop -- 5 [PATH]`
#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let path = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "/etc/hostname".to_string());
    let until = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < until {
        for _ in 0..1000 {
            drop(std::fs::File::open(&path)?);
        }
        n += 1000;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "{n} opens in {:.2} s: {rate:.0} opens/s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
