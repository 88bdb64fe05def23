//! The optional source-IP allowlist: comma-separated CIDR blocks, IPv4 and IPv6.

use std::net::IpAddr;

/// One CIDR block, e.g. `203.0.113.0/24` or `2001:db8::/32`. A bare address is a
/// single-host block (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CidrBlock {
    network: IpAddr,
    prefix_len: u8,
}

impl CidrBlock {
    /// Parses `address[/prefix]`. `None` for anything else, including host bits set
    /// beyond the prefix (`10.0.0.1/8`), which usually means a typo.
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = max_prefix(network);
        let prefix_len = match prefix {
            // u8::from_str also accepts "+8"; only plain digits are a prefix length.
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix_len > max || masked(network, prefix_len) != bits(network) {
            return None;
        }
        Some(CidrBlock {
            network,
            prefix_len,
        })
    }

    /// Whether `address` lies in this block. Families never mix, except that an
    /// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as its IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        address.is_ipv4() == self.network.is_ipv4()
            && masked(address, self.prefix_len) == bits(self.network)
    }
}

fn max_prefix(address: IpAddr) -> u8 {
    if address.is_ipv4() { 32 } else { 128 }
}

fn bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address's bits with everything after the first `prefix_len` cleared.
fn masked(address: IpAddr, prefix_len: u8) -> u128 {
    let width = u32::from(max_prefix(address));
    let host_bits = width - u32::from(prefix_len.min(max_prefix(address)));
    let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    bits(address) & mask
}

/// Blocks from a comma-separated list; a request must come from one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAllowlist {
    blocks: Vec<CidrBlock>,
}

/// Why an allowlist could not be read. Carries the position, never the text, so the
/// configuration error stays free of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowlistError {
    /// Nothing but commas and spaces.
    Empty,
    /// The item at this 1-based position is not a CIDR block.
    InvalidBlock(usize),
}

impl IpAllowlist {
    pub fn parse(raw: &str) -> Result<Self, AllowlistError> {
        let items: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect();
        if items.is_empty() {
            return Err(AllowlistError::Empty);
        }
        let blocks = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                CidrBlock::parse(item).ok_or(AllowlistError::InvalidBlock(index + 1))
            })
            .collect::<Result<_, _>>()?;
        Ok(IpAllowlist { blocks })
    }

    /// Whether `source_ip` (as API Gateway reports it) is inside any block. An absent or
    /// unparsable address is never allowed.
    pub fn allows(&self, source_ip: Option<&str>) -> bool {
        source_ip
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
            .is_some_and(|ip| self.blocks.iter().any(|block| block.contains(ip)))
    }
}
