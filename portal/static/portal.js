// Shrink big photos before upload (users are on 2G/3G): redraw at most 1600 px on the long side as JPEG 0.8.
// One delegated "change" listener covers inputs that htmx swaps in later too. PDFs are left alone.
(function () {
  var MAX_SIDE = 1600, MAX_BYTES = 1024 * 1024;

  function note(input, text) {
    var small = input.parentNode.querySelector("[data-shrink-note]");
    if (small) small.textContent = text;
  }

  function shrink(input) {
    var file = input.files[0];
    note(input, "");
    if (!file || !/^image\/(jpeg|png)$/.test(file.type) || !window.DataTransfer) return;
    var img = new Image(), url = URL.createObjectURL(file);
    img.onload = function () {
      URL.revokeObjectURL(url);
      var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
      if (scale === 1 && file.size <= MAX_BYTES) return;
      var canvas = document.createElement("canvas"), ctx = canvas.getContext("2d");
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      ctx.fillStyle = "#fff"; // transparent PNG areas would turn black in a JPEG
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (!blob || blob.size >= file.size || input.files[0] !== file) return; // not smaller, or re-picked
        var jar = new DataTransfer();
        jar.items.add(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", {type: "image/jpeg"}));
        input.files = jar.files; // does not fire "change" again
        note(input, "Foto diperkecil menjadi " + Math.round(blob.size / 1024) + " KB");
      }, "image/jpeg", 0.8);
    };
    img.onerror = function () { URL.revokeObjectURL(url); }; // the server will say what is wrong
    img.src = url;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][data-shrink]")) shrink(event.target);
  });
})();

// A click that could not reach the server (offline, no signal) must not look like nothing happened:
// say so above the page; what was typed stays in the form.
(function () {
  var NOTE_ID = "net-error";
  function note(text) {
    var el = document.getElementById(NOTE_ID);
    if (!text) { if (el) el.remove(); return; }
    if (!el) {
      el = document.createElement("p");
      el.id = NOTE_ID; el.className = "flash error"; el.setAttribute("role", "alert");
      var main = document.getElementById("main");
      if (main) main.insertBefore(el, main.firstChild);
    }
    el.textContent = text;
  }
  document.addEventListener("htmx:sendError", function () {
    note("Koneksi terputus. Isian Anda belum terkirim dan masih ada di layar; kirim lagi saat sinyal kembali.");
  });
  document.addEventListener("htmx:afterRequest", function (e) { if (e.detail.successful) note(""); });
})();
