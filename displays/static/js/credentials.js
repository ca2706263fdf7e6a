export function apiHeaders() { return {}; }
export function socketAuth(base) { return base; }
