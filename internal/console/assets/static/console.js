// signet console: the little the pages need a script for. Every page works
// without it except upload (upload.js), which sends files straight from
// the browser to S3 with presigned links the server makes.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
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
