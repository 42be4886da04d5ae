//! The channels the outbox delivers on (SPEC 8, 15.1): the login codes' and TANs' SMS and
//! e-mail, and Web Push to the paired device.

use super::mfa::Method;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
    /// A Web Push message to the paired device's push subscription.
    WebPush,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Sms, Channel::Email, Channel::WebPush];

    /// As stored in `outbox.channel` and named in the metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::WebPush => "webpush",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl From<Method> for Channel {
    fn from(m: Method) -> Self {
        match m {
            Method::Sms => Channel::Sms,
            Method::Email => Channel::Email,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_reads_back_as_stored_and_a_code_method_keeps_its_name() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for m in Method::ALL {
            assert_eq!(Channel::from(m).as_str(), m.as_str());
        }
        assert_eq!(Channel::parse("fax"), None);
    }
}
