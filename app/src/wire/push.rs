//! Pairing a push device and the paired device, as the settings show them (SPEC 3.5).

use serde::{Deserialize, Serialize};

/// The paired push device, as the settings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedDevice {
    pub name: String,
    pub paired_at: i64,
    pub paired_at_text: String,
}

/// What pairing a push device shows: the one-use link and its QR code as SVG.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPairing {
    pub link: String,
    pub qr_svg: String,
}
