package extract

import (
	"strings"
	"testing"
)

// TestTablesAndLists: a table keeps one line per row with its cells apart, its caption on
// the line before it; a list keeps one line per item; nothing runs into the words next to
// it ("Châu Mỹ – Caribe11Trung Đông2").
func TestTablesAndLists(t *testing.T) {
	page := `<html lang="vi"><head><title>Số nước ký theo khu vực</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav>
<article><h1>Số nước ký Công ước Hà Nội theo khu vực</h1>
<p>Công ước Hà Nội đã nhận được chữ ký của nhiều quốc gia trên khắp các châu lục trong hai ngày mở ký tại Hà Nội.</p>
<p>Bảng dưới đây thống kê số nước ký theo từng khu vực địa lý, theo số liệu được công bố vào chiều ngày bế mạc.</p>
<table><caption>Số nước ký theo khu vực</caption>
<thead><tr><th>Khu vực</th><th>Số nước ký</th></tr></thead>
<tbody><tr><td>Châu Phi</td><td>21</td></tr><tr><td>Châu Mỹ – Caribe</td><td>11</td></tr>
<tr><td>Trung Đông</td><td>2</td></tr><tr><td>Tổng cộng</td><td>72</td></tr></tbody></table>
<p>Theo kế hoạch, Công ước sẽ tiếp tục để ngỏ cho các quốc gia ký tại trụ sở Liên Hợp Quốc ở New York.</p>
<ul><li>Giá phòng đơn: 225.86 USD</li><li>Giá phòng đôi: 310 USD</li></ul>
</article><footer>Liên hệ</footer></body></html>`
	a, err := HTML(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := a.Text()
	for _, line := range []string{"Số nước ký theo khu vực\nKhu vực | Số nước ký\nChâu Phi | 21\nChâu Mỹ – Caribe | 11\nTrung Đông | 2\nTổng cộng | 72",
		"Giá phòng đơn: 225.86 USD\nGiá phòng đôi: 310 USD"} {
		if !strings.Contains(text, line) {
			t.Errorf("text lacks\n%s\nin\n%s", line, text)
		}
	}
}
