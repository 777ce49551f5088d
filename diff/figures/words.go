package figures

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The word lists below are lower-case NFC with "'" as the only apostrophe. They are merged
// across languages where a word cannot mean something else next to a number in another of
// them, so that a page whose language was guessed wrong still gets its dates and units right;
// what depends on the language (the decimal mark, "billion", spelled-out numbers) is in lang.go.

// set builds a lookup table from words.
func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// months are month names that may be written in lower case; a day number next to one is a date.
var months = set(
	"janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout",
	"septembre", "octobre", "novembre", "décembre", "decembre",
	"januar", "jänner", "februar", "märz", "juni", "juli", "oktober", "dezember",
	"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
	"setiembre", "octubre", "noviembre", "diciembre",
	"janeiro", "fevereiro", "março", "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro",
	"gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre",
	"januari", "februari", "maart", "mei", "augustus",
	"january", "february", "april", "june", "july", "september", "october", "november", "december",
)

// capMonths are month names that are also ordinary words ("may", "march", "august", "jan"):
// they name a month only when capitalised, as English writes months.
var capMonths = set("may", "march", "august", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
	"sep", "sept", "oct", "nov", "dec", "april", "june", "july")

// englishMonths are the English month names, which name a month before a day only when capitalised.
var englishMonths = set("january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december")

// monthAbbrevs name a month only when followed by a full stop ("oct.", "janv.", "dic.").
var monthAbbrevs = set("jan", "janv", "fév", "févr", "fev", "fevr", "feb", "febr", "mar", "apr", "avr",
	"abr", "jun", "jul", "juil", "aug", "ago", "sep", "sept", "set", "oct", "okt", "out", "nov",
	"dec", "déc", "dez", "dic", "ene")

// dateConnectors join day numbers before a month: "25 et 26 octobre", "du 25 au 26" (a hyphen
// or a comma does too, see classify).
var dateConnectors = set("et", "au", "and", "to", "y", "e", "und", "bis", "al", "a", "à", "và", "đến")

// versionWords before a number make it a version ("iOS 13", "Windows 10"), never a figure.
var versionWords = set("ios", "ipados", "android", "windows", "macos", "version", "versión", "versão",
	"release", "patch", "build", "update", "firefox", "chrome", "linux", "kernel", "python", "php",
	"java", "bluetooth", "usb", "wifi", "wi-fi", "gpt", "v", "html", "http", "ipv")

// phoneWords before a number make it a phone number.
var phoneWords = set("tel", "tél", "téléphone", "telephone", "phone", "hotline", "fax", "đt", "sđt",
	"telefon", "teléfono", "telefone", "thoại", "nóng", "mobile", "portable")

// refWords before a number make it the name of something (an article, a resolution, a photo):
// "Résolution 57", "article 5", "Điều 5", "No. 12".
var refWords = set(
	"article", "articles", "art", "résolution", "resolution", "resolutions", "résolutions", "loi", "law",
	"décret", "decree", "no", "n°", "nº", "nr", "num", "número", "numéro", "numero", "chapitre", "chapter",
	"section", "paragraphe", "paragraph", "alinéa", "clause", "annexe", "annex", "page", "pages", "p", "pp",
	"photo", "photos", "figure", "fig", "tableau", "table", "graphique", "chart", "video", "vidéo",
	"artikel", "absatz", "paragraf", "kapitel", "seite", "abbildung", "gesetz",
	"artículo", "resolución", "ley", "capítulo", "página", "foto",
	"artigo", "resolução", "lei", "capítulo", "página",
	"điều", "khoản", "chương", "mục", "ảnh", "hình", "clip", "trang",
)

// viRefTwo are two-syllable Vietnamese names of legal texts before a number ("Nghị quyết 57").
var viRefTwo = set("nghị quyết", "nghị định", "quyết định", "thông tư", "chỉ thị", "phụ lục")

// yearPreps before a 4-digit number outside 1900-2099 make it a year ("en 1789", "in 1848").
var yearPreps = set("en", "in", "since", "depuis", "dès", "avant", "après", "vers", "until", "by",
	"seit", "jahr", "desde", "em", "année", "year", "năm", "from")

// decadeWords before a 2-digit number make it a decade ("les années 90", "los años 80").
var decadeWords = set("années", "annees", "años", "anos", "anni", "jahre", "niên")

// timeUnits and timeSur make "24 heures sur 24" and "7 jours sur 7" ("around the clock", the
// spelled-out "24h/24"), not figures.
var timeUnits = set("heures", "heure", "h", "jours", "j", "giờ", "ngày", "stunden", "tage", "horas", "días", "dias", "hours", "days")
var timeSur = set("sur", "trên", "/")

// sentenceAbbrevs end with a full stop that does not end the sentence.
var sentenceAbbrevs = set("m", "mm", "mme", "mmes", "mlle", "mr", "mrs", "ms", "dr", "st", "no", "nr", "n",
	"p", "pp", "art", "etc", "vs", "cf", "ca", "env", "jan", "janv", "feb", "févr", "fév", "mar", "apr",
	"avr", "jun", "jul", "juil", "aug", "sep", "sept", "oct", "nov", "dec", "déc", "prof", "gen", "gén",
	"lt", "col", "sgt", "mio", "mrd", "bzw", "vgl", "z", "b", "u", "s", "tp", "tr", "ths", "ts", "pgs")

// qualifiers are the phrases before a number that say how exact it is, longest first within
// each language so that "un peu plus de" reads as "plus de" only when nothing longer matches.
var qualifiers = []string{
	"pas moins de", "plus de", "près de", "pres de", "au moins", "au plus", "environ", "quelque", "jusqu'à",
	"moins de", "presque", "autour de", "approximativement", "plus d'",
	"more than", "fewer than", "less than", "as many as", "at least", "at most", "up to", "close to",
	"nearly", "almost", "about", "around", "approximately", "roughly", "some", "over", "under",
	"an estimated", "estimated", "just over", "just under", "upwards of",
	"mehr als", "weniger als", "bis zu", "knapp", "fast", "rund", "etwa", "ungefähr", "mindestens",
	"höchstens", "über", "circa",
	"más de", "menos de", "cerca de", "alrededor de", "al menos", "por lo menos", "casi", "unos", "unas",
	"hasta", "aproximadamente",
	"mais de", "pelo menos", "por volta de", "quase", "até", "uns", "umas",
	"hơn", "gần", "ít nhất", "khoảng", "trên", "dưới", "tới", "chừng", "xấp xỉ", "chưa đến", "chưa tới",
	"lên tới", "lên đến", "tối đa", "tối thiểu", "gần như", "ước tính",
}

// cjkQualifiers are the Chinese qualifiers, longest first.
var cjkQualifiers = []string{"将近", "大约", "超过", "至少", "多达", "不到", "约有", "近", "约", "逾"}

// percentWords after a number make it a percentage.
var percentWords = []string{"per cent", "percent", "pour cent", "por ciento", "por cento", "prozent",
	"phần trăm", "pct", "procent", "per cento"}

// scaleWords after a number multiply it: the exponent of ten. "billion" depends on the
// language (see lang.go); "m" and "k" count only after a currency.
var scaleWords = map[string]int{
	"thousand": 3, "thousands": 3, "mille": 3, "mil": 3, "tausend": 3, "nghìn": 3, "ngàn": 3, "k": 3,
	"million": 6, "millions": 6, "millionen": 6, "mio": 6, "millón": 6, "millones": 6, "milhão": 6,
	"milhões": 6, "milioni": 6, "miljoen": 6, "triệu": 6, "mn": 6, "m": 6, "mln": 6,
	"milliard": 9, "milliards": 9, "milliarde": 9, "milliarden": 9, "mrd": 9, "mds": 9, "bilhão": 9,
	"bilhões": 9, "miliardi": 9, "miliardo": 9, "miljard": 9, "tỷ": 9, "tỉ": 9, "bn": 9,
	"billion": 9, "billions": 9, "trillion": 12, "trillions": 12, "tn": 12,
	"billionen": 12, "billón": 12, "billones": 12, "bilião": 12, "biliões": 12, "biljoen": 12,
}

// cjkScales are the Chinese and Japanese scale characters, as exponents of ten.
var cjkScales = map[rune]int{'千': 3, '万': 4, '萬': 4, '亿': 8, '億': 8}

// currencyWords name a currency before or after a number, by ISO code.
var currencyWords = map[string]string{
	"usd": "USD", "dollar": "USD", "dollars": "USD", "dólar": "USD", "dólares": "USD", "us-dollar": "USD",
	"eur": "EUR", "euro": "EUR", "euros": "EUR",
	"vnd": "VND", "vnđ": "VND", "đồng": "VND", "đ": "VND",
	"gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
	"jpy": "JPY", "yen": "JPY", "yên": "JPY",
	"cny": "CNY", "yuan": "CNY", "rmb": "CNY", "renminbi": "CNY", "tệ": "CNY",
	"chf": "CHF", "krw": "KRW", "won": "KRW", "inr": "INR", "rupees": "INR", "hkd": "HKD",
	"aud": "AUD", "cad": "CAD", "sgd": "SGD", "brl": "BRL", "reais": "BRL", "rub": "RUB", "roubles": "RUB",
}

// currencySymbols are the currency signs, by ISO code.
var currencySymbols = map[rune]string{'$': "USD", '€': "EUR", '£': "GBP", '¥': "JPY", '₫': "VND",
	'₩': "KRW", '₹': "INR", '₽': "RUB", '元': "CNY", '円': "JPY"}

// dollarPrefixes are the letters glued before "$" that name another dollar ("HK$", "R$").
var dollarPrefixes = map[string]string{"us": "USD", "hk": "HKD", "s": "SGD", "a": "AUD", "c": "CAD",
	"nt": "TWD", "r": "BRL", "nz": "NZD"}

// unitSuffixes may be glued to a number without making it a name ("10km", "5bn", "100.000đ").
var unitSuffixes = set("k", "m", "bn", "mn", "tn", "km", "kg", "t", "ha", "mw", "gw", "kw", "kwh",
	"mwh", "gwh", "twh", "cm", "mm", "đ", "vnđ", "usd", "eur", "mio", "mrd")

// joiners link a noun to its complement inside a subject ("délégués de", "of GDP"); a subject
// does not end with one.
var joiners = set("de", "d'", "du", "des", "of", "del", "do", "da", "dos", "das", "của", "von")

// subjectStops end the noun phrase a number counts: articles, auxiliaries, prepositions and
// conjunctions of the supported languages.
var subjectStops = set(
	"le", "la", "les", "l'", "un", "une", "et", "ou", "dont", "qui", "que", "qu'", "à", "au", "aux", "en",
	"dans", "pour", "par", "sur", "avec", "sans", "lors", "selon", "chez", "contre", "entre", "vers",
	"depuis", "pendant", "ont", "a", "sont", "est", "était", "étaient", "ce", "cette", "ces",
	"se", "s'", "il", "elle", "ils", "elles", "y", "ne", "n'", "mais", "où", "comme", "soit", "ainsi",
	"the", "a", "an", "and", "or", "in", "at", "on", "to", "for", "by", "with", "from", "have", "has",
	"had", "are", "is", "was", "were", "will", "would", "that", "which", "who", "as", "than", "per",
	"were", "be", "been", "this", "these", "those", "their", "its", "while", "after", "before", "into",
	"đã", "đang", "sẽ", "được", "bị", "là", "và", "với", "tại", "ở", "trong", "cho", "từ", "đến",
	"tới", "này", "đó", "các", "những", "có", "không", "thì", "mà", "theo", "về", "trên", "dưới",
	"khi", "như", "để", "hay", "hoặc", "cùng", "nhưng", "vào", "ra", "lên", "trong", "kể", "ngay",
	// days and times of day end it too: "ils étaient 65 samedi soir"
	"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "soir", "matin", "hier",
	"aujourd'hui", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"yesterday", "today", "evening", "morning", "tối", "sáng", "chiều", "hôm",
	"der", "die", "das", "den", "dem", "ein", "eine", "einen", "und", "oder", "im", "am", "an", "auf",
	"für", "mit", "zu", "bei", "aus", "nach", "über", "sind", "ist", "haben", "hat", "wurden", "wurde",
	"werden", "sich", "als", "wie",
	"el", "los", "las", "una", "o", "por", "para", "con", "sin", "sobre", "desde", "hasta", "han",
	"ha", "son", "es", "fue", "como",
	"os", "as", "um", "uma", "e", "em", "no", "na", "nos", "nas", "sem", "até", "foram", "foi", "são",
	"é", "têm", "tem",
)

// spelled are the small numbers written as words, per language. Words that are also common
// words next to a number ("un", "one", "một", "năm" = five or year, "neuf" = nine or new,
// "ba" = three or father) are left out: a missed "one" costs less than a false figure.
var spelled = map[string]map[string]float64{
	"fr": {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "dix": 10,
		"onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20,
		"trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000},
	"en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
		"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
		"forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
		"hundred": 100, "thousand": 1000},
	"de": {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
		"zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50},
	"es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
		"diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40,
		"cincuenta": 50},
	"pt": {"dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8,
		"nove": 9, "dez": 10, "onze": 11, "doze": 12, "quinze": 15, "vinte": 20, "trinta": 30,
		"quarenta": 40, "cinquenta": 50},
	"vi": {"hai": 2, "bốn": 4, "sáu": 6, "bảy": 7, "tám": 8, "mười": 10},
}

// inCompounds are the number words that are numbers only inside a compound ("twenty-one",
// "vingt-et-un", "dix-neuf", "quatre-vingts", "deux-cents"): alone they are common words.
var inCompounds = map[string]map[string]float64{
	"en": {"one": 1},
	"fr": {"un": 1, "une": 1, "neuf": 9, "vingts": 20, "cents": 100},
}

// ordinalWords are the ordinals written as words, by language, from the first above ("first"
// and "premier" name no count): made from the cardinals by the rules of each language
// ("forty" → "fortieth", "quarante" → "quarantième"), with the irregular ones listed.
var ordinalWords = func() map[string]map[string]float64 {
	out := map[string]map[string]float64{
		"en": {"third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12},
		"fr": {"deuxième": 2, "cinquième": 5, "neuvième": 9, "unième": 1},
	}
	for w, v := range spelled["en"] {
		if _, irregular := map[float64]bool{2: true, 3: true, 5: true, 8: true, 9: true, 12: true}[v]; irregular {
			continue
		}
		if strings.HasSuffix(w, "y") {
			out["en"][w[:len(w)-1]+"ieth"] = v
		} else {
			out["en"][w+"th"] = v
		}
	}
	for w, v := range spelled["fr"] {
		if v == 5 || v == 2 {
			continue
		}
		out["fr"][strings.TrimSuffix(w, "e")+"ième"] = v
	}
	return out
}()

// spelledNumber reads a number written in words in language lang: a cardinal ("deux",
// "quarante"), a compound of them joined by hyphens ("sixty-four", "quatre-vingt-dix",
// "vingt-et-un", "deux-cents"), or an ordinal, the last word of a compound included
// ("fortieth", "quarantième", "twenty-first"). It returns the value and whether it is an
// ordinal.
func spelledNumber(w, lang string) (float64, bool, bool) {
	parts := strings.Split(w, "-")
	total, cur, ord := 0.0, 0.0, false
	for n, p := range parts {
		v, ok := spelled[lang][p]
		if !ok && len(parts) > 1 {
			v, ok = inCompounds[lang][p]
		}
		if !ok && n == len(parts)-1 {
			v, ok = ordinalWords[lang][p]
			ord = ok
		}
		if !ok {
			if lang == "fr" && p == "et" && n > 0 && n < len(parts)-1 {
				continue
			}
			return 0, false, false
		}
		switch {
		case v == 100:
			cur = max(cur, 1) * 100
		case v == 1000:
			total += max(cur, 1) * 1000
			cur = 0
		case v == 20 && cur == 4 && lang == "fr": // quatre-vingt(s)
			cur = 80
		default:
			cur += v
		}
	}
	return total + cur, ord, true
}

// scaleNumbers are the number words that multiply the one before them ("two hundred",
// "trois mille"); alone, the English ones need an article ("a hundred").
var scaleNumbers = set("hundred", "thousand", "cent", "cents", "mille")

// scaleArticles stand before an English scale word that counts alone: "a hundred", "one thousand".
var scaleArticles = set("a", "an", "one")

// ordinalSuffixes glued to a number make it an ordinal: "40e", "40ème", "1er", "40th", "2nd".
var ordinalSuffixes = set("e", "è", "ème", "eme", "er", "re", "ère", "th", "st", "nd", "rd", "º", "ª")

// dayLinks join two days of one date ("October 25-26", "October 25 and 26"): the second is a
// date too.
var dayLinks = set("-", "–", "and", "et", "và", "to", "au", "đến", ",")

// notActs are words that hold an act word without meaning the act ("đăng ký", to register).
var notActs = set("đăng ký")

// eventWords name an event: an act word next to one names the event ("la cérémonie de
// signature", "Lễ mở ký", "the signing ceremony"), not an act done by the figure's subject.
var eventWords = set("cérémonie", "cérémonies", "ceremony", "ceremonies", "lễ", "conférence", "conference",
	"sommet", "summit", "gala")

// articles and determiners that may stand between a noun and the number it governs.
var articles = set("le", "la", "les", "l'", "the", "a", "an", "un", "une", "des", "du", "ces", "its",
	"their", "leur", "leurs", "các", "những", "này")

// rangeWords join the two ends of a range: "de 72 à 75", "12 to 24", "từ 72 lên 75".
var rangeWords = set("à", "au", "to", "and", "et", "or", "ou", "đến", "tới", "lên", "và", "hoặc")

// listConjunctions may join the adjectives of a list before their noun.
var listConjunctions = set("and", "et", "ou", "or", "và", "hoặc")

// incrementsBefore and incrementsAfter mark a figure added to another one, a part: "another
// 19", "thêm 3"; "trois nouveaux États", "35 more", "5 nước khác".
var incrementsBefore = set("another", "additional", "further", "extra", "thêm")
var incrementsAfter = set("more", "new", "additional", "further", "other", "nouveaux", "nouvelles", "nouveau",
	"nouvelle", "autres", "supplémentaires", "supplémentaire", "mới", "nữa", "khác")

// partitives after a figure take it out of a set: "21 of the 72", "21 des 72", "21 sur 72",
// "21 trong số 72", "Sixty-four of them", "21 d'entre eux".
var partitives = set("of", "des", "d'", "sur", "trong", "out", "among", "parmi")

// partitivePronouns name the set a figure is taken out of: "of them", "d'entre eux".
var partitivePronouns = set("them", "those", "these", "eux", "elles", "đó", "này", "which", "whom")

// includes before a figure make it a part of an earlier figure of the same subject in its
// sentence: "plus de 100 signataires, dont 65 en Afrique".
var includes = set("dont", "including", "incl", "notamment", "among", "parmi")

// frames open a sentence with a set the figures after it are taken out of: "Among the 72
// signatories, 21 ...", "Parmi les 72 pays signataires, ...", "Trong số 72 nước ký, ...".
var frames = set("among", "amongst", "parmi", "of", "sur", "trong", "trong số", "out of")

// scopeWords restrict a count to a part of the whole: regions of the world, and the plenary
// session of a conference (one or several words, lower-case).
var scopeWords = set(
	"africa", "african", "afrique", "africain", "africains", "africaine", "africaines",
	"europe", "european", "européen", "européens", "européenne", "européennes",
	"asia", "asian", "asie", "asiatique", "asiatiques", "pacific", "pacifique", "oceania", "océanie",
	"america", "americas", "amérique", "amériques", "latin", "latine", "latino-américains",
	"caribbean", "caraïbes", "caribe", "middle east", "moyen-orient", "arab states", "états arabes",
	"châu phi", "châu âu", "châu á", "châu mỹ", "mỹ latinh", "thái bình dương", "trung đông",
	"đông nam á", "ca-ri-bê",
	"plenary", "plénière", "toàn thể",
)

// actBarriers end the words after a figure where the act said of it is looked for: a
// purpose or a time clause ("100 pays inscrits pour la signature").
var actBarriers = set("pour", "afin", "avant", "après", "lorsque", "quand", "si", "for", "before", "after",
	"when", "if", "để", "trước", "sau", "khi", "nếu")

// agents introduce the doer of a passive or of an act noun: "signée par 72 pays", "la
// signature de la Convention par 72 pays", "ratification by 40 countries".
var agents = set("par", "by", "bởi", "được", "của")

// dayWords name a day of an event; runningWords make a count a running total however
// late the day ("by the second day", "au total", "tổng cộng").
var dayWords = set("day", "jour", "journée", "ngày")
var runningWords = set("by", "total", "d'ici", "tính", "tổng", "cumulative", "cumulé", "overall", "altogether")

// laterOrdinals are the ordinals of a later day that spelledNumber does not read: "second"
// names a time unit too, and is read as an ordinal only next to a day word.
var laterOrdinals = set("second", "seconde", "deuxième", "last", "dernier", "dernière", "final", "closing")

// futures before an act word make it an act to come: "will sign", "sẽ ký"; expectations
// before "to" and the act do too: "expected to ratify".
var futures = set("will", "would", "shall", "sẽ", "vont", "pourraient", "pourrait")
var expectations = set("expected", "likely", "set", "due", "going", "planning", "plan", "plans", "scheduled", "poised")

// besides before a region or a session says the figure is not restricted to it:
// "Alongside the plenary, the programme included 37 side events".
var besides = set("alongside", "besides", "beside", "outside", "apart", "outre", "marge", "ngoài")

// collectives are the approximate collective numerals ("une centaine de", "a dozen"): they
// count after an indefinite article and before "de"/"of".
var collectives = map[string]float64{
	"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
	"cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
	"decena": 10, "docena": 12, "veintena": 20, "centenar": 100, "millar": 1000,
	"dezena": 10, "dúzia": 12, "vintena": 20, "centena": 100, "milhar": 1000,
	"dozen": 12,
}

// indefinites precede a collective numeral.
var indefinites = set("une", "un", "una", "uma", "um", "a")

// about is the qualifier a collective numeral gets, per language: it is approximate.
var about = map[string]string{"fr": "environ", "es": "unos", "pt": "cerca de", "en": "about"}

// elisions end a word at its apostrophe ("d'organisations" is "d'" + "organisations").
var elisions = set("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
	"dell", "all", "dall", "nell", "sull")

// numberWords holds every spelled number and collective numeral, lower-case and capitalised,
// so that wordNumber rejects the other words with one lookup; numberHints is a bitset of
// (length, first bytes) of those words, which rejects most words before any hashing.
var numberWords, numberHints = func() (map[string]bool, *[1 << 16 / 64]uint64) {
	m := map[string]bool{}
	var hints [1 << 16 / 64]uint64
	add := func(w string) {
		m[w] = true
		h := wordHint(w)
		hints[h/64] |= 1 << (h % 64)
	}
	for _, table := range []map[string]map[string]float64{spelled, ordinalWords} {
		for _, l := range table {
			for w := range l {
				add(w)
				r, size := utf8.DecodeRuneInString(w)
				add(string(unicode.ToUpper(r)) + w[size:])
			}
		}
	}
	for w := range collectives {
		add(w)
	}
	return m, &hints
}()

// wordHint hashes a word's length and first two bytes into 16 bits.
func wordHint(w string) uint32 {
	h := uint32(len(w)&31) << 11
	if len(w) > 0 {
		h |= uint32(w[0]&0x1F) << 6
	}
	if len(w) > 1 {
		h |= uint32(w[1] & 0x3F)
	}
	return h
}

// isNumberWord reports a word that may be a spelled number or a collective numeral, as
// written; decomposed words (combining marks) always may. A compound ("Sixty-four") may
// when its first word may.
func isNumberWord(w string) bool {
	if i := strings.IndexByte(w, '-'); i > 0 {
		w = w[:i]
	}
	if len(w) < 3 || len(w) > 16 {
		return false
	}
	h := wordHint(w)
	if numberHints[h/64]&(1<<(h%64)) == 0 && !hasCombining(w) {
		return false
	}
	return numberWords[w] || hasCombining(w)
}
