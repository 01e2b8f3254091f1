//! renkou-benefits: the benefits domain.
pub mod rules;
