//! lowrank
