import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = document.getElementById("login-submit");
const totpForm = document.getElementById("totp-form");
const totpError = document.getElementById("totp-error");
const totpSubmit = document.getElementById("totp-submit");
let challenge = null;

function done() {
  window.location.assign(form.dataset.next || "/");
}

function showError(box, message) {
  box.textContent = message;
  box.hidden = false;
}

// Admins (and anyone who enrolled) answer a second step with a code from their authenticator app; an
// account without one yet is shown the key to add first.
function askForCode(body) {
  challenge = body.challenge;
  form.hidden = true;
  totpForm.hidden = false;
  const enrol = document.getElementById("totp-enrol");
  enrol.hidden = !body.enrol;
  if (body.enrol) {
    document.getElementById("totp-secret").textContent = body.secret.replace(/(.{4})/g, "$1 ").trim();
    document.getElementById("totp-link").href = body.otpauth_uri;
  }
  totpForm.code.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  if (!form.username.value.trim() || !form.password.value) {
    showError(errorBox, t("Enter your username and password."));
    (form.username.value.trim() ? form.password : form.username).focus();
    return;
  }
  submit.disabled = true;
  const result = await http.post("/api/v1/auth/login", {
    username: form.username.value.trim(),
    password: form.password.value,
  });
  submit.disabled = false;
  if (result.ok) {
    if (result.data && result.data.totp_required) askForCode(result.data);
    else done();
    return;
  }
  showError(errorBox, result.status === 401 ? t("Wrong username or password.") : result.error.message);
  form.password.select();
});

totpForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  totpError.hidden = true;
  totpSubmit.disabled = true;
  const result = await http.post("/api/v1/auth/login/totp", { challenge, code: totpForm.code.value.trim() });
  totpSubmit.disabled = false;
  if (result.ok) {
    done();
    return;
  }
  showError(totpError, result.error.message);
  totpForm.code.select();
  // An expired or exhausted challenge needs the password again.
  if (result.status === 401 && result.error.code === "challenge_expired") {
    totpForm.hidden = true;
    form.hidden = false;
    form.password.value = "";
    form.password.focus();
  }
});
