//! Pure layout: where things go inside the fixed SVG viewBox. No browser types and no Raft types
//! here, so all of it is unit-tested natively.
//!
//! The servers sit on an ellipse (the drawing is wider than tall), spaced evenly by arc length so
//! that neighbours are as far apart at the sides as at the top. When the network is partitioned,
//! each group takes a contiguous stretch of the ellipse and a wall is drawn in the gap between
//! groups, so the boundary is one straight line whatever the groups are.

/// The drawing's coordinate system; the SVG scales it to any window.
pub const VIEW_W: f64 = 1060.0;
pub const VIEW_H: f64 = 740.0;
/// Centre of the ellipse the servers sit on; the client is drawn here.
pub const CENTER: Point = Point { x: 530.0, y: 356.0 };
/// Half-axes of that ellipse.
pub const RING_RX: f64 = 424.0;
pub const RING_RY: f64 = 289.0;
/// Radius of one server's body.
pub const NODE_R: f64 = 48.0;
/// Radius of the timer ring drawn around a server's body.
pub const TIMER_R: f64 = 58.0;
/// Thickness of that ring.
pub const TIMER_W: f64 = 9.0;
/// The label under a server: its top and bottom below the server's centre, and half its width.
pub const LABEL_TOP: f64 = TIMER_R + TIMER_W / 2.0 + 2.0;
pub const LABEL_BELOW: f64 = TIMER_R + 36.0;
pub const LABEL_HALF_W: f64 = 100.0;
/// The same at large reading text (the stage layout), where the label has two lines, the role
/// above the term and vote, in larger type. The lowest servers' labels may reach
/// `STAGE_LABEL_SPILL` below the drawing, into room the stylesheet keeps under it (a padding of
/// 1.5rem, 28 units or more), and the outermost ones a few units into the panel's side padding.
pub const STAGE_LABEL_BELOW: f64 = TIMER_R + 64.0;
pub const STAGE_LABEL_HALF_W: f64 = 104.0;
pub const STAGE_LABEL_SPILL: f64 = 28.0;
pub const STAGE_LABEL_SIDE_SPILL: f64 = 8.0;
/// Half the size of the client's box in the centre.
pub const CLIENT_HALF_W: f64 = 62.0;
pub const CLIENT_HALF_H: f64 = 34.0;
/// The gap between the two groups of a partition, in server slots; with more groups, the gaps
/// share the room of two.
const GROUP_GAP_SLOTS: f64 = 0.7;
/// Messages travel this far to the left of their direction, so a request and its reply on the
/// same link do not sit on top of each other.
pub const LANE_OFFSET: f64 = 11.0;
/// Samples of the ellipse used to space servers by arc length.
const ARC_SAMPLES: usize = 720;

/// A point in viewBox coordinates.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    pub fn dist(self, other: Point) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }

    /// The point a fraction `f` of the way from `self` to `other`.
    pub fn lerp(self, other: Point, f: f64) -> Point {
        Point::new(
            self.x + (other.x - self.x) * f,
            self.y + (other.y - self.y) * f,
        )
    }
}

/// The point of the servers' ellipse at parameter angle `t` (0 is the right end, clockwise on
/// screen because y grows downwards).
fn ellipse_at(t: f64) -> Point {
    Point::new(CENTER.x + RING_RX * t.cos(), CENTER.y + RING_RY * t.sin())
}

/// Cumulative arc length of the ellipse at `ARC_SAMPLES + 1` evenly spaced parameter angles,
/// starting at the top. Computed once.
fn arc_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::with_capacity(ARC_SAMPLES + 1);
        let mut total = 0.0;
        let mut prev = ellipse_at(ARC_START);
        table.push(0.0);
        for i in 1..=ARC_SAMPLES {
            let p = ellipse_at(ARC_START + ARC_STEP * i as f64);
            total += prev.dist(p);
            table.push(total);
            prev = p;
        }
        table
    })
}

const ARC_START: f64 = -std::f64::consts::FRAC_PI_2;
const ARC_STEP: f64 = std::f64::consts::TAU / ARC_SAMPLES as f64;

/// Point of the ellipse a fraction `f` (0..1) of its perimeter clockwise from the top.
pub fn ellipse_at_fraction(f: f64) -> Point {
    let table = arc_table();
    let target = f.rem_euclid(1.0) * table[ARC_SAMPLES];
    // First sample at or past the target, then interpolate within the step before it.
    let i = table.partition_point(|&c| c < target).clamp(1, ARC_SAMPLES);
    let span = table[i] - table[i - 1];
    let within = if span > 0.0 {
        (target - table[i - 1]) / span
    } else {
        0.0
    };
    ellipse_at(ARC_START + ARC_STEP * ((i - 1) as f64 + within))
}

/// A partition boundary: a straight wall from near the centre out past the ring.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Wall {
    pub inner: Point,
    pub outer: Point,
}

/// Where every server and every partition wall goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Centre of server `i` (0-based, i.e. `NodeId::index()`).
    pub nodes: Vec<Point>,
    /// One wall between each pair of neighbouring groups; empty when not partitioned.
    pub walls: Vec<Wall>,
}

impl Layout {
    /// Lays out `count` servers. `groups` are the partition groups as 0-based indexes (every
    /// server in at most one group); with fewer than two groups the servers sit in id order.
    pub fn new(count: usize, groups: &[Vec<usize>]) -> Layout {
        let count = count.max(1);
        let mut groups: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| {
                let mut g: Vec<usize> = g.iter().copied().filter(|&i| i < count).collect();
                g.sort_unstable();
                g.dedup();
                g
            })
            .filter(|g| !g.is_empty())
            .collect();
        // Servers no group names form one more group of their own.
        let named: Vec<usize> = groups.iter().flatten().copied().collect();
        let rest: Vec<usize> = (0..count).filter(|i| !named.contains(i)).collect();
        if !rest.is_empty() {
            groups.push(rest);
        }
        if groups.len() < 2 {
            let nodes = (0..count)
                .map(|i| ellipse_at_fraction(i as f64 / count as f64))
                .collect();
            return Layout {
                nodes,
                walls: Vec::new(),
            };
        }
        groups.sort_by_key(|g| g[0]);
        let gap = GROUP_GAP_SLOTS * 2.0 / groups.len() as f64;
        let slots = count as f64 + groups.len() as f64 * gap;
        let mut nodes = vec![CENTER; count];
        let mut walls = Vec::with_capacity(groups.len());
        let mut cursor = 0.0;
        for group in &groups {
            walls.push(wall_at(cursor / slots));
            cursor += gap / 2.0;
            for &i in group {
                // A server named twice keeps its first place.
                if nodes[i] == CENTER {
                    nodes[i] = ellipse_at_fraction((cursor + 0.5) / slots);
                }
                cursor += 1.0;
            }
            cursor += gap / 2.0;
        }
        Layout { nodes, walls }
    }

    /// Centre of server `i`, or the centre of the drawing for an unknown index.
    pub fn node(&self, i: usize) -> Point {
        self.nodes.get(i).copied().unwrap_or(CENTER)
    }
}

fn wall_at(f: f64) -> Wall {
    let p = ellipse_at_fraction(f);
    Wall {
        inner: CENTER.lerp(p, 0.34),
        outer: CENTER.lerp(p, 1.13),
    }
}

/// How far a packet has travelled: 0 when sent, 1 when due. Never NaN, always in 0..=1.
pub fn progress(sent_at: u64, deliver_at: u64, now: u64) -> f64 {
    if deliver_at <= sent_at || now >= deliver_at {
        return if now >= sent_at { 1.0 } else { 0.0 };
    }
    if now <= sent_at {
        return 0.0;
    }
    (now - sent_at) as f64 / (deliver_at - sent_at) as f64
}

/// The fraction of a timer still to run at `now`: 1 when just started, 0 when due.
pub fn remaining_fraction(start: u64, due: u64, now: u64) -> f64 {
    1.0 - progress(start, due, now)
}

/// The part of the segment `a`–`b` outside a radius `trim_a` round `a` and `trim_b` round `b`.
/// When the two ends are too close, both points collapse to the midpoint.
pub fn trimmed(a: Point, b: Point, trim_a: f64, trim_b: f64) -> (Point, Point) {
    let d = a.dist(b);
    if d <= trim_a + trim_b || d == 0.0 {
        let m = a.lerp(b, 0.5);
        return (m, m);
    }
    (a.lerp(b, trim_a / d), a.lerp(b, 1.0 - trim_b / d))
}

/// `p` moved `by` to the left of the direction `a` → `b` (left on screen, y down).
pub fn offset_left(p: Point, a: Point, b: Point, by: f64) -> Point {
    let d = a.dist(b);
    if d == 0.0 {
        return p;
    }
    let (ux, uy) = ((b.x - a.x) / d, (b.y - a.y) / d);
    // Rotating the direction by -90° on screen gives its left.
    Point::new(p.x + uy * by, p.y - ux * by)
}

/// Where messages start and end near a server: clear of its ring by about half a message, so a
/// burst of them leaving the leader does not cover it.
pub const PACKET_END_R: f64 = TIMER_R + TIMER_W + 22.0;

/// The shortest way a message travels between two servers, where they are close together.
pub const MIN_TRACK: f64 = 40.0;

/// Trim radius of an endpoint, round a server or the client's box, for two ends `d` apart: servers
/// that sit close give up some of their clearance so a message still visibly travels.
pub fn end_radius(is_client: bool, d: f64) -> f64 {
    if is_client {
        CLIENT_HALF_W.min(CLIENT_HALF_H) + 12.0
    } else {
        PACKET_END_R.min(((d - MIN_TRACK) / 2.0).max(TIMER_R + TIMER_W))
    }
}

/// The path a packet travels from `from` to `to` (endpoints trimmed, moved into its lane), and
/// where on it the packet is at `now`.
pub fn packet_track(
    from: Point,
    to: Point,
    from_client: bool,
    to_client: bool,
    sent_at: u64,
    deliver_at: u64,
    now: u64,
) -> (Point, Point, Point) {
    let d = from.dist(to);
    let (a, b) = trimmed(
        from,
        to,
        end_radius(from_client, d),
        end_radius(to_client, d),
    );
    let a = offset_left(a, from, to, LANE_OFFSET);
    let b = offset_left(b, from, to, LANE_OFFSET);
    let at = a.lerp(b, progress(sent_at, deliver_at, now));
    (a, b, at)
}

/// `x` written with `places` decimals (at most 3), for the drawing's attributes and the page's
/// few measures. Whole-number arithmetic, so the page carries no float formatting; a half
/// rounds away from zero, and anything not finite is written as 0.
pub fn fixed(x: f64, places: u32) -> String {
    let places = places.min(3);
    let scale = 10_i64.pow(places);
    let scaled = (x * scale as f64).round();
    let n = if scaled.is_finite() { scaled as i64 } else { 0 };
    let sign = if n < 0 { "-" } else { "" };
    let (whole, part) = (
        n.unsigned_abs() / scale as u64,
        n.unsigned_abs() % scale as u64,
    );
    if places == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{part:0width$}", width = places as usize)
    }
}

/// `x` with one decimal: a coordinate or length in the drawing.
pub fn px(x: f64) -> String {
    fixed(x, 1)
}

/// `stroke-dasharray` for a ring of radius `r` showing `fraction` of its circumference.
pub fn ring_dash(r: f64, fraction: f64) -> String {
    let circumference = std::f64::consts::TAU * r;
    let shown = circumference * fraction.clamp(0.0, 1.0);
    format!("{} {}", px(shown), px(circumference))
}

/// Points of a regular polygon of `sides` corners of radius `r` round the origin, the first
/// corner straight up (or rotated by `turn` of a full turn), as an SVG `points` attribute.
pub fn polygon_points(sides: usize, r: f64, turn: f64) -> String {
    let sides = sides.max(3);
    (0..sides)
        .map(|i| {
            let a = std::f64::consts::TAU * (i as f64 / sides as f64 + turn)
                - std::f64::consts::FRAC_PI_2;
            format!("{},{}", px(r * a.cos()), px(r * a.sin()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_writes_what_float_formatting_would() {
        for x in [
            0.0, 1.0, -1.0, 12.34, -12.36, 0.049, 99.95001, 1060.0, 2.6251, -0.004,
        ] {
            for places in 0..=3 {
                let want = format!("{x:.*}", places as usize);
                // Float formatting writes "-0.0" for a tiny negative; the drawing reads 0.
                let want = if want.trim_start_matches(['-', '0', '.']).is_empty() {
                    want.trim_start_matches('-').to_string()
                } else {
                    want
                };
                assert_eq!(fixed(x, places), want, "{x} with {places} decimals");
            }
        }
        assert_eq!(px(f64::NAN), "0.0");
        assert_eq!(fixed(f64::INFINITY, 2), "0.00");
        assert_eq!(fixed(2.5, 9), "2.500", "at most three decimals");
        assert_eq!(
            fixed(2.625, 2),
            "2.63",
            "an exact half rounds away from zero"
        );
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn first_server_is_at_the_top() {
        let layout = Layout::new(5, &[]);
        let p = layout.node(0);
        assert!(close(p.x, CENTER.x), "{p:?}");
        assert!(close(p.y, CENTER.y - RING_RY), "{p:?}");
    }

    #[test]
    fn servers_go_clockwise() {
        let layout = Layout::new(4, &[]);
        assert!(layout.node(1).x > CENTER.x, "S2 is to the right");
        assert!(layout.node(2).y > CENTER.y, "S3 is at the bottom");
        assert!(layout.node(3).x < CENTER.x, "S4 is to the left");
    }

    /// Every server's ring and label stays inside the drawing and clear of its neighbours and of
    /// the client, for every cluster size and for every two-group partition.
    /// Every server of `layout` but server `i`, with its index.
    fn others(layout: &Layout, i: usize) -> impl Iterator<Item = (usize, &Point)> {
        layout
            .nodes
            .iter()
            .enumerate()
            .filter(move |&(j, _)| j != i)
    }

    fn assert_readable(layout: &Layout, what: &str) {
        for (i, p) in layout.nodes.iter().enumerate() {
            assert!(p.x - TIMER_R - TIMER_W >= 0.0, "{what}: S{} left", i + 1);
            assert!(
                p.x + TIMER_R + TIMER_W <= VIEW_W,
                "{what}: S{} right",
                i + 1
            );
            assert!(p.y - TIMER_R - TIMER_W >= 0.0, "{what}: S{} top", i + 1);
            assert!(p.y + LABEL_BELOW <= VIEW_H, "{what}: S{} label", i + 1);
            assert!(
                (p.x - CENTER.x).abs() > CLIENT_HALF_W + TIMER_R
                    || (p.y - CENTER.y).abs() > CLIENT_HALF_H + TIMER_R,
                "{what}: S{} covers the client",
                i + 1
            );
            for (j, q) in others(layout, i) {
                let what = format!("{what}: S{} and S{}", i + 1, j + 1);
                assert!(p.dist(*q) > 2.0 * RING_OUT + 8.0, "{what}: rings overlap");
                let (start, end, _) = packet_track(*p, *q, false, false, 0, 1, 0);
                assert!(
                    start.dist(end) >= MIN_TRACK - 1e-6,
                    "{what}: no room for a message to travel"
                );
                assert!(
                    !label_box(*p).meets(&ring_box(*q)),
                    "{what}: a label runs into a ring"
                );
                assert!(
                    !label_box(*p).meets(&label_box(*q)),
                    "{what}: labels overlap"
                );
            }
        }
    }

    /// The same for the stage layout's two-line labels, as wide as they get (a two-digit term and
    /// a candidate's count): they stay in the drawing (give or take the room kept round it) and
    /// clear of each other. Clear of the rings too, except in a partition, where the outermost
    /// ones may touch the next server's ring: the label is drawn on its halo, so it still reads.
    fn assert_stage_readable(layout: &Layout, what: &str) {
        for (i, p) in layout.nodes.iter().enumerate() {
            let label = stage_label_box(*p);
            assert!(
                label.bottom <= VIEW_H + STAGE_LABEL_SPILL,
                "{what}: S{} stage label below the drawing",
                i + 1
            );
            assert!(
                label.left >= -STAGE_LABEL_SIDE_SPILL
                    && label.right <= VIEW_W + STAGE_LABEL_SIDE_SPILL,
                "{what}: S{} stage label out at the side",
                i + 1
            );
            for (j, q) in others(layout, i) {
                let what = format!("{what}: S{} and S{}", i + 1, j + 1);
                assert!(
                    !label.meets(&stage_label_box(*q)),
                    "{what}: stage labels overlap"
                );
                assert!(
                    !layout.walls.is_empty() || !label.meets_circle(*q, RING_OUT),
                    "{what}: a stage label runs into a ring"
                );
            }
        }
    }

    const RING_OUT: f64 = TIMER_R + TIMER_W / 2.0;

    struct Box {
        left: f64,
        right: f64,
        top: f64,
        bottom: f64,
    }

    impl Box {
        fn meets_circle(&self, c: Point, r: f64) -> bool {
            let nearest = Point::new(
                c.x.clamp(self.left, self.right),
                c.y.clamp(self.top, self.bottom),
            );
            nearest.dist(c) < r
        }

        fn meets(&self, other: &Box) -> bool {
            self.left < other.right
                && other.left < self.right
                && self.top < other.bottom
                && other.top < self.bottom
        }
    }

    /// The box of server `p`'s labels, `half_w` either side of it, from under its ring to
    /// `below` under its centre.
    fn labels_at(p: Point, half_w: f64, below: f64) -> Box {
        Box {
            left: p.x - half_w,
            right: p.x + half_w,
            top: p.y + LABEL_TOP,
            bottom: p.y + below,
        }
    }

    fn label_box(p: Point) -> Box {
        labels_at(p, LABEL_HALF_W, LABEL_BELOW)
    }

    fn stage_label_box(p: Point) -> Box {
        labels_at(p, STAGE_LABEL_HALF_W, STAGE_LABEL_BELOW)
    }

    fn ring_box(p: Point) -> Box {
        Box {
            left: p.x - RING_OUT,
            right: p.x + RING_OUT,
            top: p.y - RING_OUT,
            bottom: p.y + RING_OUT,
        }
    }

    #[test]
    fn servers_never_overlap_at_any_size() {
        for count in 1..=9 {
            let layout = Layout::new(count, &[]);
            assert_readable(&layout, &format!("{count} servers"));
            assert_stage_readable(&layout, &format!("{count} servers"));
        }
    }

    #[test]
    fn servers_never_overlap_in_any_two_way_partition() {
        for count in [3usize, 5, 7, 9] {
            for mask in 1u32..(1 << count) - 1 {
                let group: Vec<usize> = (0..count).filter(|i| mask & (1 << i) != 0).collect();
                let layout = Layout::new(count, std::slice::from_ref(&group));
                assert_eq!(layout.walls.len(), 2, "{count} servers, {group:?}");
                assert_readable(&layout, &format!("{count} servers split {group:?}"));
                assert_stage_readable(&layout, &format!("{count} servers split {group:?}"));
            }
        }
    }

    #[test]
    fn servers_never_overlap_in_any_three_way_partition() {
        // Every way of putting each server in one of three non-empty groups (the third is the
        // servers the first two do not name): the gaps between groups share the room two
        // groups would have, so the two-line labels of nine servers still clear each other.
        for count in [3usize, 5, 7, 9] {
            for code in 0..3u32.pow(count as u32) {
                let mut groups = vec![Vec::new(), Vec::new(), Vec::new()];
                let mut c = code;
                for i in 0..count {
                    groups[(c % 3) as usize].push(i);
                    c /= 3;
                }
                if groups.iter().any(Vec::is_empty) {
                    continue;
                }
                let layout = Layout::new(count, &groups[..2]);
                let what = format!("{count} servers in {groups:?}");
                assert_eq!(layout.walls.len(), 3, "{what}");
                assert_readable(&layout, &what);
                assert_stage_readable(&layout, &what);
            }
        }
    }

    #[test]
    fn a_wall_separates_the_groups() {
        // With two groups, each group lies entirely on one side of the line through both walls.
        let layout = Layout::new(5, &[vec![1, 3]]);
        let (w1, w2) = (layout.walls[0].outer, layout.walls[1].outer);
        let side =
            |p: Point| ((w2.x - w1.x) * (p.y - w1.y) - (w2.y - w1.y) * (p.x - w1.x)).signum();
        assert_eq!(side(layout.node(1)), side(layout.node(3)));
        assert_eq!(side(layout.node(0)), side(layout.node(2)));
        assert_eq!(side(layout.node(0)), side(layout.node(4)));
        assert_ne!(side(layout.node(0)), side(layout.node(1)));
    }

    #[test]
    fn one_group_or_unknown_servers_mean_no_partition() {
        assert!(Layout::new(5, &[vec![0, 1, 2, 3, 4]]).walls.is_empty());
        assert!(Layout::new(3, &[vec![7]]).walls.is_empty());
        assert_eq!(Layout::new(3, &[]).node(9), CENTER);
    }

    #[test]
    fn progress_is_clamped_and_never_nan() {
        assert_eq!(progress(100, 200, 50), 0.0);
        assert_eq!(progress(100, 200, 150), 0.5);
        assert_eq!(progress(100, 200, 250), 1.0);
        assert_eq!(progress(100, 100, 100), 1.0);
        assert_eq!(progress(100, 100, 99), 0.0);
        assert_eq!(remaining_fraction(0, 200, 50), 0.75);
    }

    #[test]
    fn packets_run_in_lanes_between_the_rings() {
        let a = Point::new(100.0, 100.0);
        let b = Point::new(500.0, 100.0);
        let (start, end, at) = packet_track(a, b, false, false, 0, 10, 5);
        assert!(close(start.x, 100.0 + PACKET_END_R));
        assert!(close(end.x, 500.0 - PACKET_END_R));
        assert!(close(at.x, 300.0));
        // Going right, the lane is above (screen y smaller); the reply comes back below.
        assert!(at.y < 100.0);
        let (_, _, back) = packet_track(b, a, false, false, 0, 10, 5);
        assert!(back.y > 100.0);
    }

    #[test]
    fn trimming_a_short_segment_collapses_to_the_middle() {
        let (a, b) = trimmed(Point::new(0.0, 0.0), Point::new(10.0, 0.0), 20.0, 20.0);
        assert_eq!(a, b);
        assert!(close(a.x, 5.0));
    }

    #[test]
    fn ring_dash_shows_the_fraction() {
        let full = std::f64::consts::TAU * 10.0;
        assert_eq!(
            ring_dash(10.0, 0.5),
            format!("{:.1} {:.1}", full / 2.0, full)
        );
        assert_eq!(ring_dash(10.0, 2.0), format!("{full:.1} {full:.1}"));
    }

    #[test]
    fn polygons_start_at_the_top() {
        let pts = polygon_points(4, 10.0, 0.0);
        assert!(pts.starts_with("0.0,-10.0"), "{pts}");
        assert_eq!(pts.split(' ').count(), 4);
    }
}
