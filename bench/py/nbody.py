# CPython version of tests/run/nbody.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
# BUILD
# The n-body benchmark (Computer Language Benchmarks Game). Usage: nbody [steps], default 1000.
from math import sqrt
pass

PI = 3.141592653589793
SOLAR_MASS = 4.0 * PI * PI
DAYS_PER_YEAR = 365.24

@dataclass
class Body(Copyable, Movable):
    x: Float64
    y: Float64
    z: Float64
    vx: Float64
    vy: Float64
    vz: Float64
    mass: Float64

def make_bodies() -> List[Body]:
    bodies = List[Body]()
    # Sun
    bodies.append(Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, SOLAR_MASS))
    # Jupiter
    bodies.append(Body(
        4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
        1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
        -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS))
    # Saturn
    bodies.append(Body(
        8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
        -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
        2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS))
    # Uranus
    bodies.append(Body(
        1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
        2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
        -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS))
    # Neptune
    bodies.append(Body(
        1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
        2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
        -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS))
    return bodies

def offset_momentum(bodies: List[Body]):
    px = 0.0
    py = 0.0
    pz = 0.0
    for i in range(len(bodies)):
        px += bodies[i].vx * bodies[i].mass
        py += bodies[i].vy * bodies[i].mass
        pz += bodies[i].vz * bodies[i].mass
    bodies[0].vx = -px / SOLAR_MASS
    bodies[0].vy = -py / SOLAR_MASS
    bodies[0].vz = -pz / SOLAR_MASS

def energy(bodies: List[Body]) -> Float64:
    e = 0.0
    n = len(bodies)
    for i in range(n):
        b = bodies[i].copy()
        e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
        for j in range(i + 1, n):
            dx = b.x - bodies[j].x
            dy = b.y - bodies[j].y
            dz = b.z - bodies[j].z
            e -= (b.mass * bodies[j].mass) / sqrt(dx * dx + dy * dy + dz * dz)
    return e

def advance(bodies: List[Body], dt: Float64):
    n = len(bodies)
    for i in range(n):
        for j in range(i + 1, n):
            dx = bodies[i].x - bodies[j].x
            dy = bodies[i].y - bodies[j].y
            dz = bodies[i].z - bodies[j].z
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            mi = bodies[i].mass * mag
            mj = bodies[j].mass * mag
            bodies[i].vx -= dx * mj
            bodies[i].vy -= dy * mj
            bodies[i].vz -= dz * mj
            bodies[j].vx += dx * mi
            bodies[j].vy += dy * mi
            bodies[j].vz += dz * mi
    for i in range(n):
        bodies[i].x += dt * bodies[i].vx
        bodies[i].y += dt * bodies[i].vy
        bodies[i].z += dt * bodies[i].vz

def main():
    steps = 1000
    args = argv()
    if len(args) > 1:
        steps = Int(args[1])
    bodies = make_bodies()
    offset_momentum(bodies)
    print(f"{energy(bodies):.9f}")
    for _ in range(steps):
        advance(bodies, 0.01)
    print(f"{energy(bodies):.9f}")

if __name__ == "__main__":
    main()
