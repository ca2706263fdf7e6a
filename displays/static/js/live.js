// Moved to shared/live.js (the shared layer); this path re-exports it while the screens convert.
export * from "./shared/live.js";
