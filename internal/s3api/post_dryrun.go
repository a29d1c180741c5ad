package s3api

import (
	"errors"
	"net/http"

	"signet/internal/postpolicy"
)

// DryRunPost is DryRun for a browser form upload: r is the POST to the
// bucket, without its body, and fields are the form's fields before the
// file. It takes the form through postObject's own steps (the key field,
// the form's authentication and lifetime, the policy's conditions, the
// key, authorisation as s3:PutObject with s3:authType POST, the bucket)
// and, when fileSize is not negative, the policy's content-length-range.
// It writes nothing and does not log.
func (a *API) DryRunPost(r *http.Request, fields []postpolicy.Field, fileSize int64) DryRun {
	p := a.prepareFor(r, false)
	d := DryRun{VirtualBucket: p.virtual, AuthErr: p.authErr, RequestErr: p.reqErr}
	if p.rq != nil {
		d.Result, d.Bucket = p.rq.res, p.rq.bucket
	}
	err := p.err
	if err == nil && !p.route.form {
		err = s3Err(codeMethodNotAllowed)
		d.RequestErr = err
	}
	if err == nil {
		err = a.dryRunForm(p.rq, &d, &postForm{fields: fields}, fileSize)
	}
	if err != nil {
		e, ok := toAPIError(r, err)
		d.Status, d.Code, d.Message = e.Status, e.Code.String(), e.Message
		if !ok {
			d.Internal = err
		}
	}
	return d
}

// dryRunForm is postObject up to the file, recording in d the step that
// refuses; it returns the error the client would be answered with.
func (a *API) dryRunForm(rq *request, d *DryRun, form *postForm, fileSize int64) error {
	pa, ok := a.cfg.Auth.(PostAuthenticator)
	if !ok {
		d.RequestErr = notImplemented("browser-based uploads (POST forms)", "POST to a bucket", "PostObject")
		return d.RequestErr
	}
	key, err := requireFormKey(form)
	if err != nil {
		d.RequestErr = err
		return err
	}
	d.Key = key
	res, err := a.authenticateForm(rq, pa, form)
	switch {
	case errors.Is(err, postpolicy.ErrConditionFailed) || errors.Is(err, postpolicy.ErrExtraField):
		d.Result, d.PolicyErr = res.Result, err
		return policyError(err)
	case err != nil:
		d.Result, d.AuthErr = nil, err
		return err
	}
	d.Result = res.Result
	if err := checkPostKey(key); err != nil {
		d.RequestErr = err
		return err
	}
	post := &postUpload{form: form, res: res.Result, policy: res.Policy, key: key}
	d.Action, d.Resource = "s3:PutObject", arn(rq.bucket, key, true)
	sub, authzErr, err := a.authorizePost(rq, post)
	d.AuthzRequest = withHeader(rq.r, mergeHeaders(rq.r.Header, post.header))
	switch {
	case authzErr != nil:
		d.AuthzErr = authzErr
		return err
	case err != nil:
		d.RequestErr = err
		return err
	}
	if _, err := attrsFromHeaders(post.header); err != nil {
		d.RequestErr = err
		return err
	}
	if _, err := a.requireBucket(sub); err != nil {
		d.TargetErr = err
		return err
	}
	if fileSize >= 0 && res.Policy != nil {
		if err := res.Policy.CheckSize(fileSize); err != nil {
			d.PolicyErr = err
			return sizeError(err.(*postpolicy.SizeError))
		}
	}
	return nil
}

// sizeError is S3's answer to a file outside the policy's
// content-length-range.
func sizeError(e *postpolicy.SizeError) error {
	if e.TooLarge {
		return errEntityTooLarge(e.Size, e.Max)
	}
	return errEntityTooSmall(e.Size, e.Min)
}
