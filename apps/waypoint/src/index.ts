// Public API of the waypoint app (for tests and the e2e suite).
export {};
