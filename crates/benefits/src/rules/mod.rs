//! The benefit rules, pure: no database, no web, no terminal.
//!
//! - [`parameters`]: dated, referenced, versioned values (national baselines shipped
//!   in `national.toml`, county layers on top);
//! - [`facts`]: the register's facts ([`Register`]) and attested facts ([`Attested`]);
//! - [`eligibility`]: what a run produces ([`Run`], [`Determination`], [`Receipt`])
//!   and the comparison of two runs ([`compare`]);
//! - one module per program: [`childcare`] 育儿补贴, [`reward`] 奖励扶助, [`special`]
//!   特别扶助;
//! - [`ledger`]: month slots due and paid, back-pay and claw-back;
//! - [`employer`]: an employer's entitlements for holders of the 独生子女父母光荣证, as
//!   a rule file;
//! - [`money`] ([`Yuan`]) and [`month`] ([`Month`]).

pub mod childcare;
pub mod eligibility;
pub mod employer;
pub mod facts;
pub mod ledger;
pub mod money;
pub mod month;
pub mod parameters;
pub mod reward;
pub mod special;

pub use eligibility::{
    compare, Change, DecidingFact, Determination, DueMonth, EligibilityRow, Ending, Finding,
    MissingFact, MonthSlot, PersonChange, Program, Receipt, RuleError, Run,
};
pub use facts::{
    Attestation, Attested, Child, ChildOrigin, Disability, Family, HouseholdRegistration,
    LegalAdoption, Move, NoOutOfPolicyBirth1973To2001, Parent, PersonFacts, PersonIdx, RegionId,
    Register, RegistrationKind,
};
pub use ledger::{Ledger, LedgerError, Settlement, SettlementLine};
pub use money::Yuan;
pub use month::Month;
pub use parameters::{Layer, ParameterError, Parameters, UsedValue, Value};
pub use renkou_domain::Date;
