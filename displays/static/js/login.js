import { api } from "./api.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = document.getElementById("login-submit");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  submit.disabled = true;
  try {
    await api("POST", "/api/v1/auth/login", {
      username: form.username.value.trim(),
      password: form.password.value,
    });
    window.location.assign(form.dataset.next || "/");
  } catch (error) {
    errorBox.textContent = error.status === 401 ? "Wrong username or password." : error.message;
    errorBox.hidden = false;
    form.password.select();
  } finally {
    submit.disabled = false;
  }
});
