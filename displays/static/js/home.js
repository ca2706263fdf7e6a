import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { mountClock } from "/static/js/home_clock.js";

document.getElementById("logout").addEventListener("click", async () => {
  await http.post("/api/v1/auth/logout");
  window.location.assign("/login");
});

// The person's own language (empty: the branch's); the page reloads to show it.
document.getElementById("language").addEventListener("change", async (event) => {
  const result = await http.put("/api/v1/me/language", { language: event.target.value || null });
  if (result.ok) window.location.reload();
  else toast.error(result.error.message || t("Could not save the language."));
});

mountClock(document.getElementById("clock"));
