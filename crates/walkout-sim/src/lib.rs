//! Store simulator (being written).
