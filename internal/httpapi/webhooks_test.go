package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"anchor/internal/notify"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// Survey answers and feedback items reach the registered webhooks, signed.
func TestVoiceWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		w := a.world()
		var mu sync.Mutex
		var kinds []string
		var secret string
		hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if !notify.Verify(secret, r.Header.Get("X-Anchor-Timestamp"), body, r.Header.Get("X-Anchor-Signature")) {
				http.Error(rw, "bad signature", http.StatusUnauthorized)
				return
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			kinds = append(kinds, m["kind"].(string))
		}))
		defer hook.Close()
		h := a.must(a.call(a.admin, "POST", "/api/v1/webhooks", map[string]any{"url": hook.URL}), 201)
		mu.Lock()
		secret = h.str("secret")
		mu.Unlock()
		a.must(a.call(a.admin, "POST", "/api/v1/survey-responses", map[string]any{"kind": "nps", "customer_id": w.customer, "score": 9, "comment": "quick"}), 201)
		a.must(a.call(w.agentTok, "POST", "/api/v1/feedback", map[string]any{"type": "idea", "customer_id": w.customer, "text": "an app", "product_area": "mobile"}), 201)
		n, err := (&notify.Service{DB: db}).Deliver(context.Background(), 10)
		if err != nil || n != 2 {
			t.Fatalf("delivered %d (%v), want 2", n, err)
		}
		mu.Lock()
		defer mu.Unlock()
		sort.Strings(kinds)
		if strings.Join(kinds, ",") != "feedback.created,survey.answered" {
			t.Fatalf("webhooks received %v", kinds)
		}
	})
}
