//! placeholder until the golden test is written
