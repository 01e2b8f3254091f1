//! The benefit rules, pure: no database, no web, no terminal.

pub mod facts;
pub mod money;
pub mod month;
pub mod parameters;

pub use facts::{
    Attestation, Attested, Child, ChildOrigin, Disability, Family, HouseholdRegistration,
    LegalAdoption, Move, NoOutOfPolicyBirth1973To2001, Parent, PersonFacts, PersonIdx,
    RegionId, Register, RegistrationKind,
};
pub use money::Yuan;
pub use month::Month;
pub use parameters::{Layer, ParameterError, Parameters, UsedValue, Value};
pub use renkou_domain::Date;
