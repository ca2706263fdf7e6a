// Moved to shared/clock.js (the shared layer); this path re-exports it while the screens convert.
export * from "./shared/clock.js";
