// signet console: the little the pages need a script for. Every page works
// without it except upload, which sends the file straight from the
// browser to S3 with a presigned PUT the server makes.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const upload = document.getElementById('upload');
  if (upload) upload.addEventListener('submit', uploadFile);
  // The share dialog makes the link it previewed: once a choice changes,
  // the preview no longer holds, so the link waits for a new one.
  const share = document.getElementById('share-form');
  const make = document.getElementById('make-link');
  if (share && make) {
    for (const sel of share.querySelectorAll('select')) {
      sel.addEventListener('change', () => {
        make.disabled = true;
        make.textContent = 'Press “Show when it ends” first';
      });
    }
  }
});

async function uploadFile(ev) {
  ev.preventDefault();
  const form = ev.target;
  const status = document.getElementById('upload-status');
  const file = document.getElementById('upload-file').files[0];
  if (!file) return;
  const key = form.dataset.prefix + file.name;
  status.textContent = 'Uploading ' + key + '…';
  const body = new URLSearchParams({
    csrf: form.elements.csrf.value, bucket: form.dataset.bucket, key: key,
    content_type: file.type || 'application/octet-stream',
  });
  try {
    const made = await fetch(form.dataset.sign, {method: 'POST', body: body, credentials: 'same-origin'});
    if (!made.ok) throw new Error('the console refused (' + made.status + ')');
    const {url, next} = await made.json();
    const put = await fetch(url, {method: 'PUT', body: file, headers: {'Content-Type': body.get('content_type')}});
    if (!put.ok) {
      const xml = new DOMParser().parseFromString(await put.text(), 'application/xml');
      const code = xml.querySelector('Code')?.textContent ?? put.status;
      const msg = xml.querySelector('Message')?.textContent ?? '';
      throw new Error(code + ': ' + msg);
    }
    status.textContent = 'Uploaded ' + key + '.';
    location.assign(next);
  } catch (e) {
    status.textContent = 'Upload failed: ' + e.message;
  }
}
