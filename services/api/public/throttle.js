/**
 * Runs `fn` at most once per `intervalMs`, never two at once, and always once more after the last call:
 * a burst of live events (hundreds per second from busy workers) becomes one refetch per second.
 */
export function throttle(fn, intervalMs) {
  let timer = null;
  let running = false;
  let again = false;
  let last = 0;
  const run = async () => {
    timer = null;
    running = true;
    last = Date.now();
    try {
      await fn();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + intervalMs - Date.now()));
  };
  schedule.cancel = () => {
    clearTimeout(timer);
    timer = null;
    again = false;
  };
  return schedule;
}
