// A short two-note chime made with WebAudio: no sound file to fetch, so it works on a shop LAN with no
// internet and nothing to cache.
//
// Browsers start an AudioContext "suspended" until the page gets a user gesture; `unlock()` must be
// called from inside one (a tap). `play()` before that does nothing and says so (returns false).
//
//   const chime = createChime();
//   overlay.addEventListener("pointerdown", () => chime.unlock());
//   if (chime.play()) ...

const NOTES = [
  // [frequency Hz, start s, length s]: a rising fifth, easy to pick out over a kitchen's fans.
  [880, 0, 0.16],
  [1320, 0.18, 0.22],
];
// A burst of tickets (a replay after a reconnect, a table of six) rings once, not six times.
const MIN_GAP_SECONDS = 1.2;

export function createChime({ volume = 0.35 } = {}) {
  let context = null;
  let lastPlayed = -Infinity;

  function audioContextClass() {
    return window.AudioContext || window.webkitAudioContext || null;
  }

  return {
    get supported() {
      return audioContextClass() !== null;
    },
    get ready() {
      return context !== null && context.state === "running";
    },
    /** Call from a user gesture. Resolves true once the context runs. */
    async unlock() {
      const Context = audioContextClass();
      if (!Context) return false;
      if (!context) context = new Context();
      if (context.state !== "running") {
        try {
          await context.resume();
        } catch {
          return false;
        }
      }
      return context.state === "running";
    },
    /** Ring once (unless it rang a moment ago). False when sound is not unlocked or was throttled. */
    play() {
      if (!context || context.state !== "running") return false;
      const now = context.currentTime;
      if (now - lastPlayed < MIN_GAP_SECONDS) return false;
      lastPlayed = now;
      for (const [frequency, start, length] of NOTES) {
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.type = "sine";
        oscillator.frequency.value = frequency;
        // A quick attack and an exponential fade: no click at either end of the note.
        const t0 = now + start;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(volume, t0 + 0.015);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(t0);
        oscillator.stop(t0 + length + 0.02);
      }
      return true;
    },
  };
}
