// signet console: uploads from the objects page, chosen with the file
// input or dropped on its box. The browser sends the bytes straight to S3
// with links the console signs as the session: a small file with one
// presigned PUT, a large one in parts (the console creates the multipart
// upload, signs each UploadPart, completes it with the parts' ETags, and
// aborts it if a part fails). The page and S3 are one origin, so the
// browser reads each part's ETag without any CORS rule.
'use strict';

// parallel is how many parts are on the wire at once.
const parallel = 3;

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('upload');
  if (!form) return;
  const input = document.getElementById('upload-file');
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    uploadAll(form, [...input.files]);
  });
  for (const type of ['dragenter', 'dragover']) {
    form.addEventListener(type, ev => {
      ev.preventDefault();
      form.classList.add('dragging');
    });
  }
  form.addEventListener('dragleave', () => form.classList.remove('dragging'));
  form.addEventListener('drop', ev => {
    ev.preventDefault();
    form.classList.remove('dragging');
    uploadAll(form, [...ev.dataTransfer.files]);
  });
});

// threshold is the size from which a file goes up in parts: the page's,
// or a smaller one from the address (?multipart_threshold=BYTES) to try
// uploads in parts with small files.
function threshold(form) {
  const asked = Number(new URLSearchParams(location.search).get('multipart_threshold'));
  return asked > 0 ? asked : Number(form.dataset.multipartThreshold);
}

async function uploadAll(form, files) {
  if (files.length === 0) return;
  const status = document.getElementById('upload-status');
  const bar = document.getElementById('upload-progress');
  const button = document.getElementById('upload-button');
  button.disabled = true;
  let next = null;
  try {
    for (const file of files) {
      const key = form.dataset.prefix + file.name;
      const progress = done => {
        bar.hidden = false;
        bar.value = file.size ? done / file.size : 1;
        status.textContent = 'Uploading ' + key + ': ' + Math.floor(100 * bar.value) + '%';
      };
      progress(0);
      next = file.size >= threshold(form)
        ? await uploadInParts(form, file, key, progress)
        : await uploadWhole(form, file, key);
      progress(file.size);
    }
    status.textContent = 'Uploaded ' + files.length + (files.length === 1 ? ' file.' : ' files.');
    location.assign(next);
  } catch (e) {
    bar.hidden = true;
    status.textContent = 'Upload failed: ' + e.message;
    button.disabled = false;
  }
}

// post sends a form to the console and returns its JSON answer, or
// throws its refusal.
async function post(form, path, fields) {
  const body = new URLSearchParams({csrf: form.elements.csrf.value});
  for (const [name, value] of Object.entries(fields)) {
    for (const v of [].concat(value)) body.append(name, v);
  }
  const res = await fetch(path, {method: 'POST', body: body, credentials: 'same-origin'});
  const text = await res.text();
  let answer = {};
  try { answer = text ? JSON.parse(text) : {}; } catch { /* an HTML page */ }
  if (!res.ok) {
    throw new Error(answer.code ? answer.code + ': ' + answer.message : 'the console refused (' + res.status + ')');
  }
  return answer;
}

// s3Failure reads S3's XML error from a refused PUT.
async function s3Failure(res) {
  const xml = new DOMParser().parseFromString(await res.text(), 'application/xml');
  const code = xml.querySelector('Code')?.textContent ?? res.status;
  const msg = xml.querySelector('Message')?.textContent ?? '';
  return new Error(code + ': ' + msg);
}

async function uploadWhole(form, file, key) {
  const type = file.type || 'application/octet-stream';
  const made = await post(form, form.dataset.sign, {bucket: form.dataset.bucket, key: key, content_type: type});
  const put = await fetch(made.url, {method: 'PUT', body: file, headers: {'Content-Type': type}});
  if (!put.ok) throw await s3Failure(put);
  return made.next;
}

async function uploadInParts(form, file, key, progress) {
  const base = form.dataset.parts;
  const upload = await post(form, base + 'create', {
    bucket: form.dataset.bucket, key: key, size: String(file.size),
    content_type: file.type || 'application/octet-stream',
  });
  const named = {bucket: form.dataset.bucket, key: key, upload_id: upload.upload_id, token: upload.token};
  const etags = new Array(upload.parts);
  let nextPart = 1, sent = 0, failed = null;
  const sendPart = async n => {
    const {urls} = await post(form, base + 'part-urls', {...named, part: String(n)});
    const start = (n - 1) * upload.part_size;
    const put = await fetch(urls[n], {method: 'PUT', body: file.slice(start, start + upload.part_size)});
    if (!put.ok) throw await s3Failure(put);
    const etag = put.headers.get('ETag');
    if (!etag) throw new Error('S3 answered part ' + n + ' without an ETag');
    etags[n - 1] = etag;
    sent += Math.min(upload.part_size, file.size - start);
    progress(sent);
  };
  // Each worker takes the next part until none is left or one has failed.
  const worker = async () => {
    while (failed === null && nextPart <= upload.parts) {
      const n = nextPart++;
      try { await sendPart(n); } catch (e) { failed ??= e; }
    }
  };
  await Promise.all(Array.from({length: Math.min(parallel, upload.parts)}, worker));
  try {
    if (failed !== null) throw failed;
    return (await post(form, base + 'complete', {...named, etag: etags})).next;
  } catch (e) {
    try {
      await post(form, base + 'abort', named);
      e.message += '; the upload was aborted, no part of it is kept';
    } catch (abortErr) {
      e.message += '; aborting the upload failed too (' + abortErr.message + ')';
    }
    throw e;
  }
}
