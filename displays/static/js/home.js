import { api } from "./api.js";

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/api/v1/auth/logout");
  } finally {
    window.location.assign("/login");
  }
});
