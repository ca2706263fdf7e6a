import { api } from "./api.js";

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
  submit.disabled = true;
  try {
    const body = await api("POST", "/api/v1/auth/login", {
      username: form.username.value.trim(),
      password: form.password.value,
    });
    if (body && body.totp_required) askForCode(body);
    else done();
  } catch (error) {
    errorBox.textContent = error.status === 401 ? "Wrong username or password." : error.message;
    errorBox.hidden = false;
    form.password.select();
  } finally {
    submit.disabled = false;
  }
});

totpForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  totpError.hidden = true;
  totpSubmit.disabled = true;
  try {
    await api("POST", "/api/v1/auth/login/totp", { challenge, code: totpForm.code.value.trim() });
    done();
  } catch (error) {
    totpError.textContent = error.message;
    totpError.hidden = false;
    totpForm.code.select();
    // An expired or exhausted challenge needs the password again.
    if (error.status === 401 && /expired/i.test(error.message)) {
      totpForm.hidden = true;
      form.hidden = false;
      form.password.value = "";
      form.password.focus();
    }
  } finally {
    totpSubmit.disabled = false;
  }
});
