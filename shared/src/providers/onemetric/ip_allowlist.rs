//! The optional source-IP allowlist: comma-separated CIDR blocks, IPv4 and IPv6.

use std::net::IpAddr;

use ipnet::IpNet;

/// One CIDR block, e.g. `203.0.113.0/24` or `2001:db8::/32`. A bare address is a
/// single-host block (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CidrBlock(IpNet);

impl CidrBlock {
    /// Parses `address[/prefix]`. `None` for anything else, including host bits set
    /// beyond the prefix (`10.0.0.1/8`), which usually means a typo.
    pub fn parse(text: &str) -> Option<Self> {
        // The address as std reads it: ipnet would take `010.0.0.0/8` as 10.0.0.0/8, where
        // other tools read the leading zero as octal; such a block is refused instead.
        let address: IpAddr = text.split('/').next()?.parse().ok()?;
        let network = if text.contains('/') {
            text.parse::<IpNet>().ok()?
        } else {
            IpNet::from(address)
        };
        (network.trunc() == network).then_some(CidrBlock(network))
    }

    /// Whether `address` lies in this block. Families never mix, except that an
    /// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as its IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.contains(&address.to_canonical())
    }
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
