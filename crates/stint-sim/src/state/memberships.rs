//! Group memberships, which identitystore's write calls change: the world file's standing
//! memberships at start, then whatever CreateGroupMembership and DeleteGroupMembership do.
//! Unlike account assignments these are synchronous in AWS, and so here.

use std::collections::BTreeMap;

use crate::world::{World, ids};

/// Where a membership came from: the world file (standing) or an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    World,
    Api,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub membership_id: String,
    pub group_id: String,
    pub user_id: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipError {
    /// The user is already in the group; carries the existing membership id.
    Exists(String),
    NotFound,
}

#[derive(Debug)]
pub struct Memberships {
    identity_store_id: String,
    /// Keyed by (group id, user id); the world's members keep world-file order.
    current: BTreeMap<(String, String), Membership>,
    /// Order of creation, so listings are stable: world order first, then API order.
    order: Vec<(String, String)>,
}

impl Memberships {
    pub fn new(world: &World) -> Self {
        let store = world.instance().identity_store_id.clone();
        let mut memberships = Self {
            identity_store_id: store.clone(),
            current: BTreeMap::new(),
            order: Vec::new(),
        };
        for group in world.groups() {
            for user_id in &group.member_ids {
                memberships.insert(Membership {
                    membership_id: ids::membership_id(&store, &group.group_id, user_id),
                    group_id: group.group_id.clone(),
                    user_id: user_id.clone(),
                    origin: Origin::World,
                });
            }
        }
        memberships
    }

    fn insert(&mut self, m: Membership) {
        let key = (m.group_id.clone(), m.user_id.clone());
        self.order.push(key.clone());
        self.current.insert(key, m);
    }

    fn in_order(&self) -> impl Iterator<Item = &Membership> {
        self.order.iter().filter_map(|k| self.current.get(k))
    }

    /// Adds a user to a group. AWS gives each new membership a fresh id, so one made,
    /// removed and made again has a new id.
    pub fn create(
        &mut self,
        group_id: &str,
        user_id: &str,
    ) -> Result<&Membership, MembershipError> {
        let key = (group_id.to_owned(), user_id.to_owned());
        if let Some(existing) = self.current.get(&key) {
            return Err(MembershipError::Exists(existing.membership_id.clone()));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let membership_id = match self.identity_store_id.strip_prefix("d-") {
            Some(prefix) if prefix.len() == 10 => format!("{prefix}-{id}"),
            _ => id,
        };
        self.order.retain(|k| k != &key);
        self.insert(Membership {
            membership_id,
            group_id: key.0.clone(),
            user_id: key.1.clone(),
            origin: Origin::Api,
        });
        self.current.get(&key).ok_or(MembershipError::NotFound)
    }

    pub fn delete(&mut self, membership_id: &str) -> Result<Membership, MembershipError> {
        let key = self
            .by_id(membership_id)
            .map(|m| (m.group_id.clone(), m.user_id.clone()))
            .ok_or(MembershipError::NotFound)?;
        self.order.retain(|k| k != &key);
        self.current.remove(&key).ok_or(MembershipError::NotFound)
    }

    pub fn by_id(&self, membership_id: &str) -> Option<&Membership> {
        self.current
            .values()
            .find(|m| m.membership_id == membership_id)
    }

    pub fn get(&self, group_id: &str, user_id: &str) -> Option<&Membership> {
        self.current.get(&(group_id.to_owned(), user_id.to_owned()))
    }

    pub fn of_group<'a>(&'a self, group_id: &'a str) -> impl Iterator<Item = &'a Membership> {
        self.in_order().filter(move |m| m.group_id == group_id)
    }

    pub fn of_user<'a>(&'a self, user_id: &'a str) -> impl Iterator<Item = &'a Membership> {
        self.in_order().filter(move |m| m.user_id == user_id)
    }

    /// The ids of the groups a user is in now.
    pub fn group_ids_of(&self, user_id: &str) -> Vec<String> {
        self.of_user(user_id).map(|m| m.group_id.clone()).collect()
    }

    pub fn all(&self) -> impl Iterator<Item = &Membership> {
        self.in_order()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_conflicts_delete_and_recreate_gets_a_new_id() {
        let world = World::demo();
        let mut m = Memberships::new(&world);
        let alice = world.user_by_name("alice").unwrap().user_id.clone();
        let engineers = world.group_by_name("engineers").unwrap().group_id.clone();
        let admins = world
            .group_by_name("stint-admins")
            .unwrap()
            .group_id
            .clone();
        let standing = m.get(&engineers, &alice).unwrap().clone();
        assert_eq!(standing.origin, Origin::World);
        assert_eq!(
            m.create(&engineers, &alice).unwrap_err(),
            MembershipError::Exists(standing.membership_id.clone())
        );
        let first = m.create(&admins, &alice).unwrap().membership_id.clone();
        assert!(m.group_ids_of(&alice).contains(&admins));
        m.delete(&first).unwrap();
        assert_eq!(m.delete(&first).unwrap_err(), MembershipError::NotFound);
        assert!(!m.group_ids_of(&alice).contains(&admins));
        let second = m.create(&admins, &alice).unwrap().membership_id.clone();
        assert_ne!(first, second);
        assert!(second.starts_with("9067a1b2c3-"), "{second}");
    }
}
