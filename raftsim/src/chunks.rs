//! `Chunks<T>`: a growable list kept in shared blocks of [`BLOCK`] items, so that copying it
//! copies one pointer per block and a copy shares every block with the original until one of
//! them changes that block.
//!
//! A run's history keeps copies of the world (checkpoints) and the page makes a new world each
//! frame from the last one. Logs, client writes and the checker's records only grow, and what
//! changes is almost always in the newest block: with plain vectors each copy would cost the
//! whole history so far, here it costs the newest block and a pointer per older one.
//!
//! Every block but the last is full and the last is never empty, so item `i` is always item
//! `i % BLOCK` of block `i / BLOCK`, and two lists with the same items have the same blocks.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::{Index, Range};
use std::sync::Arc;

/// Items per block.
pub const BLOCK: usize = 64;

pub struct Chunks<T> {
    blocks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Chunks<T> {
    pub const fn new() -> Chunks<T> {
        Chunks {
            blocks: Vec::new(),
            len: 0,
        }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.blocks.get(i / BLOCK)?.get(i % BLOCK)
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&T> {
        self.blocks.last()?.last()
    }

    /// Every item, first to last.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.blocks.iter().flat_map(|b| b.iter())
    }

    /// The items at indices `range` (clamped to the list), first to last, without walking
    /// the items before it.
    pub fn range(&self, range: Range<usize>) -> impl Iterator<Item = &T> + '_ {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        self.blocks[start / BLOCK..end.div_ceil(BLOCK)]
            .iter()
            .flat_map(|b| b.iter())
            .skip(start % BLOCK)
            .take(end - start)
    }

    /// The number of items for which `pred` holds, for a list in which it holds for a prefix
    /// (as `slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(&self[mid]) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Whether `self` and `other` share every block (then they are equal without looking).
    pub fn same_blocks(&self, other: &Chunks<T>) -> bool {
        self.len == other.len
            && self
                .blocks
                .iter()
                .zip(&other.blocks)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

impl<T: Clone> Chunks<T> {
    /// Item `i`, to change: its block is copied first if another list shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let block = self.blocks.get_mut(i / BLOCK)?;
        Arc::make_mut(block).get_mut(i % BLOCK)
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        let i = self.len.checked_sub(1)?;
        self.get_mut(i)
    }

    pub fn push(&mut self, item: T) {
        if self.len % BLOCK == 0 {
            let mut block = Vec::with_capacity(BLOCK);
            block.push(item);
            self.blocks.push(Arc::new(block));
        } else if let Some(last) = self.blocks.last_mut() {
            Arc::make_mut(last).push(item);
        }
        self.len += 1;
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.blocks.truncate(len.div_ceil(BLOCK));
        if len % BLOCK != 0 {
            if let Some(last) = self.blocks.last_mut() {
                Arc::make_mut(last).truncate(len % BLOCK);
            }
        }
        self.len = len;
    }

    /// Keeps the items for which `keep` holds, for a list in which it holds for a prefix.
    pub fn keep_prefix(&mut self, keep: impl FnMut(&T) -> bool) {
        let n = self.partition_point(keep);
        self.truncate(n);
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T: Clone> Extend<T> for Chunks<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T: Clone> FromIterator<T> for Chunks<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Chunks<T> {
        let mut list = Chunks::new();
        list.extend(items);
        list
    }
}

impl<T: Clone> From<Vec<T>> for Chunks<T> {
    fn from(items: Vec<T>) -> Chunks<T> {
        items.into_iter().collect()
    }
}

impl<T: Clone> From<&[T]> for Chunks<T> {
    fn from(items: &[T]) -> Chunks<T> {
        items.iter().cloned().collect()
    }
}

impl<T> Default for Chunks<T> {
    fn default() -> Chunks<T> {
        Chunks::new()
    }
}

/// A copy shares every block.
impl<T> Clone for Chunks<T> {
    fn clone(&self) -> Chunks<T> {
        Chunks {
            blocks: self.blocks.clone(),
            len: self.len,
        }
    }
}

#[cold]
#[inline(never)]
fn out_of_range(i: usize, len: usize) -> ! {
    panic!("index {i} out of a list of {len}")
}

impl<T> Index<usize> for Chunks<T> {
    type Output = T;

    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => out_of_range(i, self.len),
        }
    }
}

/// Blocks both lists share are equal without looking at their items.
impl<T: PartialEq> PartialEq for Chunks<T> {
    fn eq(&self, other: &Chunks<T>) -> bool {
        self.len == other.len
            && self
                .blocks
                .iter()
                .zip(&other.blocks)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }
}

impl<T: Eq> Eq for Chunks<T> {}

impl<T: PartialEq> PartialEq<[T]> for Chunks<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.len == other.len() && self.iter().eq(other)
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Chunks<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self == **other
    }
}

impl<T: fmt::Debug> fmt::Debug for Chunks<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Written as a plain list.
impl<T: Serialize> Serialize for Chunks<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'a, T> IntoIterator for &'a Chunks<T> {
    type Item = &'a T;
    type IntoIter = std::iter::FlatMap<
        std::slice::Iter<'a, Arc<Vec<T>>>,
        std::slice::Iter<'a, T>,
        fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.blocks.iter().flat_map(|b| b.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Chunks<usize> {
        (0..n).collect()
    }

    #[test]
    fn indexing_pushing_and_truncating_agree_with_a_vec() {
        for n in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7] {
            let l = list(n);
            assert_eq!(l.len(), n);
            assert_eq!(l.to_vec(), (0..n).collect::<Vec<_>>());
            assert!((0..n).all(|i| l[i] == i));
            assert_eq!(l.get(n), None);
            assert_eq!(l.last().copied(), n.checked_sub(1));
            assert_eq!(
                l.iter().rev().copied().collect::<Vec<_>>(),
                (0..n).rev().collect::<Vec<_>>()
            );
            for cut in [0, 1, BLOCK, n / 2, n] {
                let mut t = l.clone();
                t.truncate(cut);
                assert_eq!(t, list(cut.min(n)), "{n} cut to {cut}");
                t.push(1000);
                assert_eq!(t.last(), Some(&1000));
                assert_eq!(t.len(), cut.min(n) + 1);
            }
        }
    }

    #[test]
    fn ranges_and_partition_points() {
        let l = list(3 * BLOCK + 5);
        for (a, b) in [
            (0, 0),
            (0, 3),
            (BLOCK - 1, BLOCK + 2),
            (70, 200),
            (100, 10_000),
        ] {
            let want: Vec<usize> = (a..b.min(l.len())).collect();
            assert_eq!(l.range(a..b).copied().collect::<Vec<_>>(), want);
        }
        assert_eq!(l.partition_point(|&x| x < 130), 130);
        assert_eq!(l.partition_point(|_| true), l.len());
        let mut k = l.clone();
        k.keep_prefix(|&x| x < 65);
        assert_eq!(k, list(65));
    }

    #[test]
    fn a_copy_shares_blocks_until_one_changes() {
        let a = list(2 * BLOCK + 3);
        let mut b = a.clone();
        assert!(a.same_blocks(&b));
        *b.get_mut(1).unwrap() = 99;
        assert_eq!(a[1], 1, "the original is untouched");
        assert_eq!(b[1], 99);
        assert!(!a.same_blocks(&b));
        assert!(
            Arc::ptr_eq(&a.blocks[1], &b.blocks[1]),
            "other blocks still shared"
        );
        assert_ne!(a, b);
        let mut c = a.clone();
        c.push(7);
        assert_eq!(a.len() + 1, c.len());
        assert!(Arc::ptr_eq(&a.blocks[0], &c.blocks[0]));
        assert_eq!(a, list(2 * BLOCK + 3));
    }

    #[test]
    fn equal_items_are_equal_lists_however_built() {
        let mut a = list(BLOCK + 1);
        a.truncate(3);
        a.extend(3..BLOCK + 1);
        assert_eq!(a, list(BLOCK + 1));
        assert_eq!(a, (0..BLOCK + 1).collect::<Vec<_>>());
        assert_eq!(format!("{:?}", list(3)), "[0, 1, 2]");
    }
}
