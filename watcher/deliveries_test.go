package watcher

import (
	"reflect"
	"testing"
	"time"
)

// typeRouter routes an event to the endpoints listed for its type.
type typeRouter map[string][]string

func (r typeRouter) Route(e Event) []string { return r[e.Type] }

func TestDeliveries(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	changed := Event{ID: "e1", Type: ArticleChanged, Time: at, Source: EventSource{Name: "vtv", URL: "https://vtv.vn/a"}}
	r := typeRouter{ArticleChanged: {"hook", "slack"}}
	tests := []struct {
		name string
		r    Router
		e    Event
		want []Delivery
	}{
		{"no router", nil, changed, nil},
		{"routed nowhere", r, Event{ID: "e2", Type: ArticleGone, Time: at}, nil},
		{"two endpoints, in the router's order", r, changed, []Delivery{
			{ID: "e1@hook", Endpoint: "hook", Event: changed, Created: at, NextAttempt: at, State: DeliveryPending},
			{ID: "e1@slack", Endpoint: "slack", Event: changed, Created: at, NextAttempt: at, State: DeliveryPending},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Deliveries(tt.r, tt.e); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Deliveries = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
