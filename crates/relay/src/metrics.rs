//! What an operator watches (`GET /metrics`, Prometheus text format 0.0.4) and the brakes
//! that keep one shop (or one address) from starving the others: a token bucket per shop for
//! device requests and per peer address for pairing.
//!
//! Series carry no shop ids or phone numbers (bounded label sets: route, status, outcome).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Request duration buckets, seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Hist {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The relay's counters, histograms and gauges.
#[derive(Default)]
pub struct Metrics {
    /// "name{labels}" → value.
    counters: Mutex<BTreeMap<String, u64>>,
    /// route → request durations.
    durations: Mutex<BTreeMap<String, Hist>>,
}

fn series(name: &str, labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let mut s = format!("{name}{{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let _ = write!(s, "{k}=\"{v}\"");
    }
    s.push('}');
    s
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(&self, name: &str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1);
    }

    pub fn add(&self, name: &str, labels: &[(&str, &str)], n: u64) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry(series(name, labels)).or_default() += n;
        }
    }

    /// One request served: counted by route and status, timed by route.
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let status = status.to_string();
        self.inc(
            "pasar_relay_http_requests_total",
            &[("route", route), ("status", &status)],
        );
        let secs = took.as_secs_f64();
        if let Ok(mut d) = self.durations.lock() {
            let h = d.entry(route.to_string()).or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }

    /// Everything, in Prometheus's text format, with `gauges` (name, help, value) appended.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let counters = self.counters.lock().map(|c| c.clone()).unwrap_or_default();
        let mut last = "";
        for (k, v) in &counters {
            let name = k.split('{').next().unwrap_or(k);
            if name != last {
                let _ = writeln!(out, "# TYPE {name} counter");
            }
            let _ = writeln!(out, "{k} {v}");
            last = name;
        }
        let name = "pasar_relay_http_request_duration_seconds";
        let _ = writeln!(out, "# TYPE {name} histogram");
        if let Ok(d) = self.durations.lock() {
            for (route, h) in d.iter() {
                for (i, b) in BUCKETS.iter().enumerate() {
                    let le = b.to_string();
                    let _ = writeln!(
                        out,
                        "{} {}",
                        series(&format!("{name}_bucket"), &[("route", route), ("le", &le)]),
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "{} {}",
                    series(
                        &format!("{name}_bucket"),
                        &[("route", route), ("le", "+Inf")]
                    ),
                    h.count
                );
                let _ = writeln!(
                    out,
                    "{} {}",
                    series(&format!("{name}_sum"), &[("route", route)]),
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "{} {}",
                    series(&format!("{name}_count"), &[("route", route)]),
                    h.count
                );
            }
        }
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

/// A token bucket per key: `rate` per second sustained, `burst` at once.
pub struct Limiter<K> {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn new(rate: f64, burst: f64) -> Limiter<K> {
        Limiter {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`: Ok, or how long until one is there.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut b) = self.buckets.lock() else {
            return Ok(());
        };
        // Forget keys idle long enough to be full again (bounded memory under many peers).
        if b.len() > 50_000 {
            let full = Duration::from_secs_f64(self.burst / self.rate.max(1e-9));
            b.retain(|_, (_, at)| now.duration_since(*at) < full);
        }
        let (tokens, at) = b.entry(key.clone()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - *tokens) / self.rate.max(1e-9),
            ))
        }
    }
}

/// The limits the relay applies (see `Config`).
pub struct Limits {
    /// Device requests per shop.
    pub shop: Limiter<i64>,
    /// Pairing attempts per client address.
    pub pair: Limiter<IpAddr>,
    /// The proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES).
    pub proxies: Proxies,
}

/// Addresses and networks of the relay's own reverse proxies / load balancers
/// (`TRUSTED_PROXIES`, e.g. `10.0.0.0/8, 127.0.0.1, fd00::/8`). Behind them every request
/// comes from a proxy's address, so a per-address limit would brake every shop at once: the
/// client is then the address the proxies appended to X-Forwarded-For, read from the right,
/// skipping the trusted ones. From anyone else the header is ignored (it is the client's to
/// forge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies(Vec<(IpAddr, u8)>);

impl Proxies {
    /// Parses a comma- or space-separated list of addresses and CIDR networks.
    pub fn parse(text: &str) -> Result<Proxies, String> {
        let mut nets = Vec::new();
        for item in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("TRUSTED_PROXIES: {item:?} is not an address or network"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits =
                match bits {
                    None => max,
                    Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                        format!("TRUSTED_PROXIES: {item:?} has a bad prefix length")
                    })?,
                };
            nets.push((addr, bits));
        }
        Ok(Proxies(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, bits)| {
            let net = canonical(*net);
            let (a, b, width) = match (ip, net) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    (u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
                }
                (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
                _ => return false,
            };
            let bits = u32::from(*bits).min(width);
            let shift = width - bits;
            bits == 0 || (a >> shift) == (b >> shift)
        })
    }

    /// The client behind `peer`, given the request's X-Forwarded-For values.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // Garbage in the chain: nothing left of it can be believed.
                return peer;
            };
            if !self.trusts(ip) {
                return canonical(ip);
            }
        }
        peer
    }
}

/// IPv4 written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_trusted_proxies_is_the_first_untrusted_hop_from_the_right() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let p = Proxies::parse("10.0.0.0/8, 127.0.0.1 fd00::/8").unwrap();
        // From a proxy: the address it appended (a client's own claim to its left is ignored).
        assert_eq!(
            p.client(ip("10.1.2.3"), &["6.6.6.6, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Through two proxies, and headers split over several lines.
        assert_eq!(
            p.client(ip("127.0.0.1"), &["203.0.113.9", "10.0.0.7"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            p.client(ip("::ffff:10.0.0.1"), &["::ffff:198.51.100.4"]),
            ip("198.51.100.4")
        );
        // From anyone else, or with garbage or nothing in the header: the peer itself.
        assert_eq!(
            p.client(ip("198.51.100.1"), &["203.0.113.9"]),
            ip("198.51.100.1")
        );
        assert_eq!(p.client(ip("10.0.0.1"), &["nonsense"]), ip("10.0.0.1"));
        assert_eq!(p.client(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
        assert_eq!(p.client(ip("fd12::1"), &["2001:db8::5"]), ip("2001:db8::5"));
        assert_eq!(
            Proxies::default().client(ip("10.0.0.1"), &["1.2.3.4"]),
            ip("10.0.0.1")
        );
        assert!(Proxies::parse("10.0.0.0/33").is_err());
        assert!(Proxies::parse("proxy.local").is_err());
        assert_eq!(Proxies::parse(" ").unwrap(), Proxies::default());
    }

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let l: Limiter<i64> = Limiter::new(1000.0, 3.0);
        assert!(l.take(&1).is_ok() && l.take(&1).is_ok() && l.take(&1).is_ok());
        let wait = l.take(&1).unwrap_err();
        assert!(wait <= Duration::from_millis(2), "{wait:?}");
        assert!(l.take(&2).is_ok(), "another shop has its own bucket");
        std::thread::sleep(Duration::from_millis(5));
        assert!(l.take(&1).is_ok(), "refilled");
    }

    #[test]
    fn the_text_format_is_prometheus() {
        let m = Metrics::default();
        m.inc(
            "pasar_relay_webhooks_total",
            &[("source", "whatsapp"), ("outcome", "stored")],
        );
        m.inc(
            "pasar_relay_webhooks_total",
            &[("source", "whatsapp"), ("outcome", "stored")],
        );
        m.request("/v1/events", 200, Duration::from_millis(30));
        let t = m.render(&[("pasar_relay_outbox_queued", "messages waiting", 4.0)]);
        assert!(t.contains("# TYPE pasar_relay_webhooks_total counter\n"));
        assert!(
            t.contains("pasar_relay_webhooks_total{source=\"whatsapp\",outcome=\"stored\"} 2\n")
        );
        assert!(t.contains("pasar_relay_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"0.025\"} 0\n"));
        assert!(t.contains(
            "pasar_relay_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"0.05\"} 1\n"
        ));
        assert!(
            t.contains("pasar_relay_http_request_duration_seconds_count{route=\"/v1/events\"} 1\n")
        );
        assert!(
            t.contains("# TYPE pasar_relay_outbox_queued gauge\npasar_relay_outbox_queued 4\n")
        );
    }
}
