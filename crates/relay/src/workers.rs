//! The relay's background workers (the outbox sender, the media fetcher) run their jobs a few
//! at a time: one slow shop (a Graph API call that takes its full timeout, a file that
//! trickles in) no longer holds every other shop's messages and files. The store hands out at
//! most one job per shop at a time, the shop served longest ago first, so shops take turns
//! and one shop's messages still go out in order.

use std::future::Future;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Jobs in flight at once, per worker, per relay instance.
pub const SLOTS: usize = 4;

/// Claims jobs while slots are free and runs each with `work`; sleeps until a job ends, `poke`
/// fires or `idle` passes. When `stop` fires, waits for the jobs in flight and returns.
pub async fn run<J, C, F>(
    mut claim: impl FnMut(usize) -> C,
    work: impl Fn(J) -> F,
    poke: &Notify,
    idle: Duration,
    mut stop: watch::Receiver<bool>,
) where
    C: Future<Output = Vec<J>> + Send,
    F: Future<Output = ()> + Send + 'static,
{
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        if *stop.borrow() {
            // What is in flight finishes (its result recorded); what is queued waits for the
            // next start.
            while running.join_next().await.is_some() {}
            return;
        }
        let free = SLOTS.saturating_sub(running.len());
        if free > 0 {
            for job in claim(free).await {
                running.spawn(work(job));
            }
        }
        tokio::select! {
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = poke.notified() => {}
            _ = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
}
