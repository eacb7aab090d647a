"""Untrusted bytes to upright RGB images: format sniffing, decoding, colour, the state payload."""
