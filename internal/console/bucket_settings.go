package console

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The bucket settings page: the bucket policy and CORS editors. Each save
// is the session's own PutBucketPolicy or PutBucketCors, so S3 itself
// validates the document; its error (MalformedPolicy with the reason,
// MalformedXML, InvalidRequest…) is shown next to the field, and the
// field keeps what the person typed.
//
// CORS is edited as S3's own XML CORSConfiguration, exactly what
// GetBucketCors answers and PutBucketCors takes: no second format to
// convert, so what is shown is what S3 stores.

// editor is one document on the settings page.
type editor struct {
	// Text is the document: as S3 answered it, or as the person sent it
	// when S3 refused it.
	Text string
	// None is set when the bucket has no such document.
	None bool
	// Error is S3's refusal of the last save, shown next to the field.
	Error *s3Error
}

type settingsData struct {
	Bucket      string
	Back        string
	Policy      editor
	CORS        editor
	Saved       string
	CORSExample string
}

// corsExample is the placeholder of an empty CORS editor: a rule that lets
// one web site read objects and see their ETag.
const corsExample = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>https://www.example.com</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`

// savedText is what the page says after a save or a delete.
var savedText = map[string]string{
	"policy": "The bucket policy is saved.", "policy-deleted": "The bucket policy is deleted.",
	"cors": "The CORS configuration is saved.", "cors-deleted": "The CORS configuration is deleted.",
}

func settingsURL(bucket, saved string) string {
	q := url.Values{"bucket": {bucket}}
	if saved != "" {
		q.Set("saved", saved)
	}
	return Prefix + "settings?" + q.Encode()
}

// settingsPage shows both editors with the bucket's current documents.
func (c *Console) settingsPage(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.URL.Query().Get("bucket")
	if bucket == "" {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	c.showSettings(w, r, s, bucket, http.StatusOK, nil, nil)
}

// showSettings renders the page with the bucket's documents read afresh;
// a field whose save S3 refused keeps the person's text and shows why.
func (c *Console) showSettings(w http.ResponseWriter, r *http.Request, s *session, bucket string, status int, policy, corsDoc *editor) {
	d := settingsData{Bucket: bucket, Back: objectsURL(bucket, ""), Saved: savedText[r.URL.Query().Get("saved")], CORSExample: corsExample}
	for _, e := range []struct {
		kept  *editor
		into  *editor
		query string
		none  string
	}{{policy, &d.Policy, "policy", "NoSuchBucketPolicy"}, {corsDoc, &d.CORS, "cors", "NoSuchCORSConfiguration"}} {
		ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodGet, bucket: bucket, query: url.Values{e.query: {""}}})
		if err != nil {
			c.internal(w, r, err)
			return
		}
		if se := ans.err(); se != nil {
			if se.Code != e.none {
				// No such bucket, or no right to read it: the page
				// cannot be shown, as S3 says.
				c.s3Failed(w, r, s, ans.status, se)
				return
			}
			e.into.None = true
		} else {
			e.into.Text = readable(e.query, ans.body)
		}
		if e.kept != nil {
			// S3 refused the person's text: it stays in the field,
			// whatever the bucket has.
			e.into.Text, e.into.Error = e.kept.Text, e.kept.Error
		}
	}
	c.render(w, r, status, "bucket-settings", s, d)
}

// readable indents a document for its editor: S3 answers a policy as it
// was stored and a CORS configuration on one line. A document that does
// not parse is shown as it is.
func readable(kind string, doc []byte) string {
	if kind == "policy" {
		var b bytes.Buffer
		if json.Indent(&b, doc, "", "  ") == nil {
			return b.String()
		}
		return string(doc)
	}
	if s, err := indentXML(doc); err == nil {
		return s
	}
	return string(doc)
}

// indentXML re-encodes doc's tokens one element a line. Raw tokens keep
// the xmlns attribute as written; whitespace between elements is dropped
// for the encoder's own.
func indentXML(doc []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var b strings.Builder
	e := xml.NewEncoder(&b)
	e.Indent("", "  ")
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if c, ok := t.(xml.CharData); ok && len(bytes.TrimSpace(c)) == 0 {
			continue
		}
		if err := e.EncodeToken(xml.CopyToken(t)); err != nil {
			return "", err
		}
		if _, ok := t.(xml.ProcInst); ok {
			// The encoder puts the root element on the declaration's line.
			if err := e.Flush(); err != nil {
				return "", err
			}
			b.WriteByte('\n')
		}
	}
	err := e.Flush()
	return b.String(), err
}

// savePolicy puts or deletes the bucket policy as the session.
func (c *Console) savePolicy(w http.ResponseWriter, r *http.Request, s *session) {
	c.saveDocument(w, r, s, "policy", func(text string) s3Call {
		return s3Call{method: http.MethodPut, body: []byte(text), header: http.Header{"Content-Type": {"application/json"}}}
	})
}

// saveCORS puts or deletes the CORS configuration as the session, with the
// Content-MD5 S3 requires of PutBucketCors.
func (c *Console) saveCORS(w http.ResponseWriter, r *http.Request, s *session) {
	c.saveDocument(w, r, s, "cors", func(text string) s3Call {
		return s3Call{method: http.MethodPut, body: []byte(text),
			header: http.Header{"Content-Type": {"application/xml"}, "Content-Md5": {contentMD5([]byte(text))}}}
	})
}

// saveDocument sends the form's document (or, for the delete button, a
// delete) to S3's ?kind subresource. On success the browser goes back to
// the page; on a refusal the page is shown again with S3's status, its
// error next to the field and the person's text in it.
func (c *Console) saveDocument(w http.ResponseWriter, r *http.Request, s *session, kind string, put func(text string) s3Call) {
	bucket, text := r.PostFormValue("bucket"), r.PostFormValue("document")
	if bucket == "" {
		c.badRequest(w, r, "No bucket was named.")
		return
	}
	call, saved := put(text), kind
	if r.PostFormValue("action") == "delete" {
		call, saved = s3Call{method: http.MethodDelete}, kind+"-deleted"
	}
	call.bucket, call.query = bucket, url.Values{kind: {""}}
	ans, err := c.do(r.Context(), r, s, call)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if se := ans.err(); se != nil {
		kept := &editor{Text: text, Error: se}
		if kind == "policy" {
			c.showSettings(w, r, s, bucket, ans.status, kept, nil)
		} else {
			c.showSettings(w, r, s, bucket, ans.status, nil, kept)
		}
		return
	}
	http.Redirect(w, r, settingsURL(bucket, saved), http.StatusSeeOther)
}
