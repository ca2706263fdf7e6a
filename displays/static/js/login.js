import { api } from "./api.js";

const HOME_BY_ROLE = [
  ["admin", "/kanban"],
  ["manager", "/kanban"],
  ["cashier", "/pos"],
  ["kitchen", "/kds/expo"],
  ["courier", "/courier"],
  ["hr", "/admin"],
];

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = document.getElementById("login-submit");

function homeFor(roles) {
  for (const [role, path] of HOME_BY_ROLE) if (roles.includes(role)) return path;
  return "/";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  submit.disabled = true;
  try {
    const { user } = await api("POST", "/api/v1/auth/login", {
      username: form.username.value.trim(),
      password: form.password.value,
    });
    window.location.assign(form.dataset.next || homeFor(user.roles));
  } catch (error) {
    errorBox.textContent = error.status === 401 ? "Wrong username or password." : error.message;
    errorBox.hidden = false;
    form.password.select();
  } finally {
    submit.disabled = false;
  }
});
