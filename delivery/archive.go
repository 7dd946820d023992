package delivery

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
)

// ArchiveSuffix ends the name of an encrypted delivery.
const ArchiveSuffix = ".tar.age"

type archiveSpec struct {
	path       string
	recipients []age.Recipient
	tmp        string
}

func (a *archiveSpec) abort() {
	if a.tmp != "" {
		os.Remove(a.tmp)
	}
}

// commitArchive writes the files and then the manifest into one tar
// stream, encrypted with age, as an atomic file. The plain files are
// removed afterwards: only the archive remains.
func (t *Tx) commitArchive(raw []byte) error {
	a := t.archive
	for _, e := range t.files {
		if strings.Contains(e.file.Name, "/") {
			return fmt.Errorf("delivery: %s is outside the folder of %s: an encrypted delivery holds one folder's files", e.target, a.path)
		}
	}
	a.tmp = filepath.Join(filepath.Dir(a.path), tempPrefix+t.id+"."+filepath.Base(a.path))
	f, err := os.OpenFile(a.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("delivery: creating %s: %w", a.path, unwrapPath(err))
	}
	err = t.writeArchive(f, raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = step("manifest")
	}
	if err != nil {
		return fmt.Errorf("delivery: writing %s: %w", a.path, err)
	}
	if err := t.place(a.tmp, a.path); err != nil {
		return err
	}
	a.tmp = ""
	syncDir(filepath.Dir(a.path))
	for _, e := range t.files {
		os.Remove(e.tmp)
	}
	return nil
}

func (t *Tx) writeArchive(w io.Writer, raw []byte) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc, err := age.Encrypt(bw, t.archive.recipients...)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(enc)
	now := time.Now().UTC().Truncate(time.Second)
	for _, e := range t.files {
		if err := step("rename"); err != nil {
			return err
		}
		src, err := os.Open(e.tmp)
		if err != nil {
			return unwrapPath(err)
		}
		hdr := &tar.Header{Name: e.file.Name, Size: e.file.Size, Mode: 0o600, ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		err = tw.WriteHeader(hdr)
		if err == nil {
			var n int64
			n, err = io.Copy(tw, src)
			if err == nil && n != e.file.Size {
				err = fmt.Errorf("%s changed while it was archived", e.target)
			}
		}
		src.Close()
		if err != nil {
			return err
		}
	}
	hdr := &tar.Header{Name: filepath.Base(t.manifest), Size: int64(len(raw)), Mode: 0o600, ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(raw); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// maxArchiveFiles bounds the files an archive may hold when it is opened.
const maxArchiveFiles = 10000

// Extract decrypts the encrypted delivery at path with the identities and
// writes its files into dir, which must exist and be empty. Only plain
// files with plain names are accepted.
func Extract(path, dir string, identities ...age.Identity) error {
	if ents, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("delivery: %s: %w", dir, unwrapPath(err))
	} else if len(ents) > 0 {
		return fmt.Errorf("delivery: %s is not empty: give an empty folder to extract into", dir)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("delivery: %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	dr, err := age.Decrypt(bufio.NewReaderSize(f, 1<<20), identities...)
	if err != nil {
		if _, ok := err.(*age.NoIdentityMatchError); ok {
			return fmt.Errorf("delivery: %s cannot be opened: wrong identity or passphrase", path)
		}
		return fmt.Errorf("delivery: %s cannot be opened: not an age-encrypted delivery, or damaged", path)
	}
	tr := tar.NewReader(dr)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delivery: %s is damaged or tampered with: %w", path, err)
		}
		name := hdr.Name
		if n >= maxArchiveFiles || hdr.Typeflag != tar.TypeReg || name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return fmt.Errorf("delivery: %s holds an entry koble does not write (%q): refused", path, name)
		}
		out, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("delivery: extracting %s: %w", name, unwrapPath(err))
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("delivery: %s is damaged or tampered with: %w", path, err)
		}
	}
}
