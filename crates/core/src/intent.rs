//! The shop's catalog as the intent engine sees it. pasar-intent reads shop talk with no SQL
//! and no I/O; this module lends it the catalog (through its `Catalog` trait) and the shop's
//! today, so "jual 2 kg brs 12rb" names Beras Pulen and tells a total from a unit price.

pub use pasar_intent::{Command, Context, Intent, Item, Period, parse};

use crate::Shop;

/// The catalog through `Shop`'s own lookups: exact code, name or alias first, then a unique
/// search match (typos and shorthand); never a guess between several.
struct ShopCatalog<'a>(&'a Shop);

impl pasar_intent::Catalog for ShopCatalog<'_> {
    fn product(&self, words: &str) -> Option<pasar_intent::KnownProduct> {
        if words.trim().is_empty() {
            return None;
        }
        let p = self.0.resolve_product(words).ok().or_else(|| {
            let found = self.0.search_products(words, 2).ok()?;
            if found.len() == 1 {
                found.into_iter().next()
            } else {
                None
            }
        })?;
        Some(pasar_intent::KnownProduct {
            id: p.id,
            name: p.name,
            unit: p.unit,
            price: p.price,
        })
    }
}

impl Shop {
    /// Reads one message against this shop's catalog and today.
    pub fn understand(&self, text: &str) -> Command {
        let catalog = ShopCatalog(self);
        parse(text, &Context::with_catalog(self.today(), &catalog))
    }

    /// A command proposed by the optional online assistant for `text`, read strictly
    /// against this shop's catalog (JSON in the `pasar nlu` contract; a Markdown fence
    /// around it is tolerated). Always low-confidence: writes are confirmed first.
    pub fn read_proposal(
        &self,
        text: &str,
        json: &str,
    ) -> std::result::Result<Command, pasar_intent::Refused> {
        let t = pasar_intent::unfence(json);
        if t.len() > 64 * 1024 {
            return Err(pasar_intent::Refused("longer than 64 KiB".into()));
        }
        let p: pasar_intent::Proposal = serde_json::from_str(t)
            .map_err(|e| pasar_intent::Refused(format!("not the contract's JSON: {e}")))?;
        let catalog = ShopCatalog(self);
        p.into_command(text, &Context::with_catalog(self.today(), &catalog))
    }
}

/// Whether the rules' reading is too unsure to act on without help: nothing recognised, or
/// a guess below the confidence at which an agent would even propose it.
pub fn is_unsure(cmd: &Command) -> bool {
    cmd.intent == Intent::Unknown || cmd.confidence < 0.6
}
