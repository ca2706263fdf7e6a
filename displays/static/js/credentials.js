// Moved to shared/credentials.js (the shared layer); this path re-exports it while the screens convert.
export * from "./shared/credentials.js";
