//! Pure layout: where things go inside the fixed SVG viewBox. No browser types here, so all of
//! it is unit-tested natively.

/// The drawing's coordinate system; the SVG scales it to any window.
pub const VIEW_W: f64 = 1000.0;
pub const VIEW_H: f64 = 760.0;
/// Centre of the ring of servers.
pub const RING_CX: f64 = VIEW_W / 2.0;
pub const RING_CY: f64 = 380.0;
/// Radius of the ring the servers sit on.
pub const RING_R: f64 = 280.0;
/// Radius of one server's disc.
pub const NODE_R: f64 = 62.0;

/// A point in viewBox coordinates.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Position of server `index` (0-based) of `count`, clockwise from the top.
pub fn ring_position(index: usize, count: usize) -> Point {
    let count = count.max(1);
    let angle = std::f64::consts::TAU * index as f64 / count as f64 - std::f64::consts::FRAC_PI_2;
    Point {
        x: RING_CX + RING_R * angle.cos(),
        y: RING_CY + RING_R * angle.sin(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: Point, b: Point) -> f64 {
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    #[test]
    fn first_server_is_at_the_top() {
        let p = ring_position(0, 5);
        assert!((p.x - RING_CX).abs() < 1e-9);
        assert!((p.y - (RING_CY - RING_R)).abs() < 1e-9);
    }

    #[test]
    fn servers_are_evenly_spaced_and_never_overlap() {
        for count in 1..=9 {
            let points: Vec<Point> = (0..count).map(|i| ring_position(i, count)).collect();
            for (i, p) in points.iter().enumerate() {
                assert!(p.x - NODE_R >= 0.0 && p.x + NODE_R <= VIEW_W, "{count} nodes: x");
                assert!(p.y - NODE_R >= 0.0 && p.y + NODE_R <= VIEW_H, "{count} nodes: y");
                for q in &points[i + 1..] {
                    assert!(dist(*p, *q) > 2.0 * NODE_R, "{count} nodes overlap");
                }
            }
        }
    }
}
