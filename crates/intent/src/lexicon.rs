//! The words of shop talk in Indonesian, Javanese and Sundanese (and the English a shop
//! mixes in): verbs per intent, units, expense categories, periods, honorifics, fillers and
//! chat shorthand. Dictionaries only; the rules that use them live in `lib.rs`.

/// Chat shorthand and common misspellings, expanded before anything else ("yg" → "yang").
/// Product shorthand ("brs", "mnyk") is left to the catalog: it is part of a name.
pub fn expand(w: &str) -> &str {
    match w {
        "yg" => "yang",
        "dgn" | "dg" => "dengan",
        "utk" | "untk" => "untuk",
        "brp" | "brpa" | "brapa" | "berapaan" => "berapa",
        "sy" | "sya" => "saya",
        "tlg" | "tolonk" => "tolong",
        "krn" | "krna" => "karena",
        "sdh" | "udh" | "udah" | "dah" => "sudah",
        "blm" | "blom" | "belom" => "belum",
        "msh" | "masi" | "masih2" => "masih",
        "gk" | "ga" | "gak" | "nggak" | "ngga" | "tdk" | "tak" => "tidak",
        "bln" => "bulan",
        "hr" | "hri" => "hari",
        "mgg" | "mg" => "minggu",
        "kmrn" | "kemaren" | "kmrin" | "kmren" => "kemarin",
        "skrg" | "skrang" | "skr" | "sekarang2" => "sekarang",
        "hrg" | "hrga" => "harga",
        "stk" | "setok" | "stock" => "stok",
        "lap" | "lapor" => "laporan",
        "jl" | "jual2" => "jual",
        "tot" | "ttl" => "total",
        "ongkir" => "ongkos kirim",
        "kg." => "kg",
        "dr" | "dri" => "dari",
        "td" | "tdi" => "tadi",
        "sm" => "sama",
        "lg" | "lgi" => "lagi",
        "bsk" | "besuk" => "besok",
        "aj" => "aja",
        other => other,
    }
}

/// A unit word as written → its normal form (kg, liter, pcs, bungkus, botol, or as written),
/// and how many of the normal unit one of it is ("ons" = 0,1 kg, "gram" = 0,001 kg).
pub fn unit(w: &str) -> Option<(&'static str, rust_decimal::Decimal)> {
    use rust_decimal::Decimal;
    let one = Decimal::ONE;
    Some(match w {
        "kg" | "kilo" | "kilogram" | "kgs" | "kilon" | "kiloan" => ("kg", one),
        "ons" | "on" => ("kg", Decimal::new(1, 1)),
        "gram" | "gr" | "grm" | "g" => ("kg", Decimal::new(1, 3)),
        "liter" | "l" | "ltr" | "lt" | "litre" => ("liter", one),
        "ml" => ("liter", Decimal::new(1, 3)),
        "pcs" | "pc" | "biji" | "buah" | "bh" | "butir" | "btr" | "bj" | "siki" | "iji"
        | "hiji" | "potong" | "ptg" | "lembar" | "lbr" | "ekor" | "batang" | "btg" => ("pcs", one),
        "bungkus" | "bks" | "bngks" | "bgks" | "wungkus" | "bunkus" => ("bungkus", one),
        "botol" | "btl" | "botolan" => ("botol", one),
        "dus" | "dos" | "kardus" | "box" | "boks" | "karton" => ("dus", one),
        "karung" | "krg" | "kampil" => ("karung", one),
        "sak" => ("sak", one),
        "sachet" | "saset" | "sacet" | "sct" => ("sachet", one),
        "renteng" | "rtg" | "renceng" => ("renteng", one),
        "ikat" | "iket" | "beungkeut" => ("ikat", one),
        "galon" | "gln" => ("galon", one),
        "tabung" | "tbg" => ("tabung", one),
        "porsi" | "prs" => ("porsi", one),
        "gelas" | "gls" | "cup" => ("gelas", one),
        "pack" | "pak" | "pax" => ("pack", one),
        "slop" | "slof" => ("slop", one),
        "krat" => ("krat", one),
        "peti" => ("peti", one),
        "kaleng" | "klg" => ("kaleng", one),
        "tray" => ("tray", one),
        "rak" => ("rak", one),
        "papan" => ("papan", one),
        "kotak" | "ktk" => ("kotak", one),
        "lusin" | "losin" => ("lusin", one),
        "kodi" => ("kodi", one),
        "sisir" => ("sisir", one),
        "tandan" => ("tandan", one),
        "bal" | "ball" => ("bal", one),
        "roll" | "rol" => ("roll", one),
        "meter" | "m" => ("meter", one),
        "pasang" => ("pasang", one),
        "toples" | "stoples" => ("toples", one),
        "jerigen" | "jeriken" => ("jerigen", one),
        "plastik" | "kantong" | "kresek" => ("kantong", one),
        "mangkok" | "mangkuk" => ("mangkok", one),
        _ => return None,
    })
}

/// "sekilo", "seliter", "sebungkus", "sebiji", "sakilo", "sakilona", "selusin", "sekodi":
/// one of a unit (selusin = 12 pcs, sekodi = 20 pcs).
pub fn one_of(w: &str) -> Option<(&'static str, rust_decimal::Decimal)> {
    use rust_decimal::Decimal;
    match w {
        "selusin" | "salusin" => return Some(("pcs", Decimal::from(12))),
        "sekodi" | "sakodi" => return Some(("pcs", Decimal::from(20))),
        "seons" | "saons" => return Some(("kg", Decimal::new(1, 1))),
        _ => {}
    }
    let rest = w
        .strip_prefix("se")
        .or_else(|| w.strip_prefix("sa"))
        .filter(|r| r.len() >= 2)?;
    // "sakilona", "sekilone", "sekilonya": the same, with a possessive.
    ["nya", "na", "ne"]
        .iter()
        .find_map(|s| rest.strip_suffix(s).filter(|r| unit(r).is_some()))
        .map_or_else(|| unit(rest), unit)
}

/// How many pcs a counted-in-dozens unit holds.
pub fn count_of(u: &str) -> Option<rust_decimal::Decimal> {
    match u {
        "lusin" => Some(rust_decimal::Decimal::from(12)),
        "kodi" => Some(rust_decimal::Decimal::from(20)),
        _ => None,
    }
}

pub fn sale_verb(w: &str) -> bool {
    matches!(
        w,
        "jual"
            | "terjual"
            | "menjual"
            | "jualan"
            | "laku"
            | "lakunya"
            | "payu"
            | "adol"
            | "dodol"
            | "didol"
            | "ngajual"
            | "dijual"
            | "kejual"
            | "laris"
            | "sold"
            | "sell"
            | "jualin"
            | "ngadol"
            | "kajual"
            | "ngical"
            | "dical"
            | "kaical"
            | "ical"
    )
}

pub fn purchase_verb(w: &str) -> bool {
    matches!(
        w,
        "beli"
            | "membeli"
            | "kulakan"
            | "kulak"
            | "restock"
            | "restok"
            | "tuku"
            | "tumbas"
            | "meuli"
            | "belanja"
            | "nyetok"
            | "stokin"
            | "masuk"
            | "datang"
            | "dibeli"
            | "blanja"
            | "kulakin"
    )
}

pub fn pay_verb(w: &str) -> bool {
    matches!(
        w,
        "bayar"
            | "mbayar"
            | "mayar"
            | "bayarin"
            | "dibayar"
            | "byr"
            | "biaya"
            | "ongkos"
            | "pengeluaran"
            | "keluar"
            | "ngeluarin"
            | "setor"
            | "nyetor"
            | "pembayaran"
            | "bayarnya"
    )
}

pub fn debt_word(w: &str) -> bool {
    matches!(
        w,
        "utang"
            | "hutang"
            | "ngutang"
            | "ngutang,"
            | "kasbon"
            | "ngebon"
            | "bon"
            | "ngebon,"
            | "nganjuk"
            | "utangan"
            | "hutangnya"
            | "utangnya"
            | "kasbonnya"
            | "ngasbon"
            | "pinjam"
            | "minjem"
            | "ngutangin"
            | "piutang"
            | "hutangna"
            | "utangna"
            | "ngahutang"
            | "nginjeum"
            | "nginjem"
            | "ngampil"
            | "kasbonna"
            | "kasbone"
            | "utange"
            | "hutange"
            | "nyileh"
            | "nyilih"
            | "nyambut"
            | "silihan"
    )
}

pub fn repay_word(w: &str) -> bool {
    matches!(
        w,
        "nyicil"
            | "cicil"
            | "cicilan"
            | "lunas"
            | "lunasi"
            | "melunasi"
            | "nyaur"
            | "nyahur"
            | "mulangkeun"
            | "mbalekno"
            | "ngangsur"
            | "angsur"
            | "nebus"
            | "lunasin"
            | "pelunasan"
            | "dilunasi"
            | "ngelunasi"
            | "ngelunasin"
            | "lunaskeun"
    )
}

pub fn stock_word(w: &str) -> bool {
    matches!(
        w,
        "stok"
            | "stoknya"
            | "sisa"
            | "sisanya"
            | "tinggal"
            | "isih"
            | "sesa"
            | "kari"
            | "kantun"
            | "persediaan"
            | "stokna"
            | "sesana"
            | "ready"
            | "ada"
    )
}

pub fn count_word(w: &str) -> bool {
    matches!(
        w,
        "opname"
            | "hitung"
            | "cek"
            | "dihitung"
            | "koreksi"
            | "sesuaikan"
            | "update"
            | "apdet"
            | "set"
            | "ganti"
            | "diganti"
            | "ubah"
            | "diubah"
            | "rubah"
            | "edit"
            | "revisi"
            | "benerin"
            | "betulin"
            | "dibenerin"
            | "tambahin"
            | "ditambah"
            | "ditambahi"
            | "ditambahkan"
            | "nambah"
            | "tambih"
            | "nambih"
    )
}

/// Goods lost from the shelf: broken, spoiled, expired, thrown away, gone missing.
pub fn loss_word(w: &str) -> bool {
    matches!(
        w,
        "pecah"
            | "rusak"
            | "kadaluarsa"
            | "kadaluwarsa"
            | "kedaluwarsa"
            | "expired"
            | "basi"
            | "busuk"
            | "bosok"
            | "buang"
            | "dibuang"
            | "hilang"
            | "ilang"
            | "leungit"
            | "bocor"
            | "sobek"
            | "penyok"
            | "remuk"
            | "peupeus"
            | "buruk"
            | "dipiceun"
            | "piceun"
            | "remek"
            | "ancur"
            | "hancur"
            | "bejad"
            | "ruksak,"
            | "ruksak"
            | "raksak"
            | "kurangan"
            | "dikurangi"
            | "kurangi"
    )
}

pub fn price_word(w: &str) -> bool {
    matches!(
        w,
        "harga"
            | "harganya"
            | "rego"
            | "regane"
            | "regana"
            | "hargana"
            | "price"
            | "reregan"
            | "regine"
            | "reginipun"
            | "reganipun"
            | "harganipun"
            | "hargane"
            | "hargine"
            | "pangaos"
            | "pangaosipun"
    )
}

pub fn question_word(w: &str) -> bool {
    matches!(
        w,
        "berapa"
            | "piro"
            | "pira"
            | "sabaraha"
            | "sabarahaan"
            | "pinten"
            | "brp"
            | "?"
            | "apa"
            | "mana"
            | "siapa"
            | "sinten"
            | "saha"
            | "endi"
            | "apakah"
            | "masih"
            | "cek"
            | "opo"
            | "pirang"
            | "piraha"
            | "apa'an"
            | "naon"
            | "sopo"
            | "sapa"
            | "napa"
            | "menapa"
    )
}

pub fn report_word(w: &str) -> bool {
    matches!(
        w,
        "laporan"
            | "lapor"
            | "rekap"
            | "rekapan"
            | "omzet"
            | "omset"
            | "untung"
            | "keuntungan"
            | "laba"
            | "rugi"
            | "bathi"
            | "bati"
            | "pendapatan"
            | "pemasukan"
            | "penghasilan"
            | "ringkasan"
            | "report"
            | "summary"
            | "hasil"
            | "penjualan"
            | "kauntungan"
            | "untungna"
            | "omzetna"
            | "bathine"
            | "labanya"
            | "untungnya"
            | "omzetnya"
            | "omsetnya"
            | "keuntungannya"
            | "pendapatannya"
            | "labana"
            | "batine"
            | "untunge"
            | "omzete"
            | "asile"
    )
}

pub fn order_word(w: &str) -> bool {
    matches!(
        w,
        "pesan"
            | "pesen"
            | "mesen"
            | "order"
            | "pesanan"
            | "mesan"
            | "psn"
            | "booking"
            | "titip"
            | "nitip"
            | "minta"
            | "pengen"
    )
}

/// "mau beli", "arep tuku", "bade meuli": a customer's order, not the shop's purchase.
pub fn wanting(w: &str) -> bool {
    matches!(
        w,
        "mau"
            | "arep"
            | "ape"
            | "bade"
            | "hoyong"
            | "pengin"
            | "pingin"
            | "ingin"
            | "butuh"
            | "kepengin"
            | "mo"
            | "pgn"
    )
}

pub fn greeting(w: &str) -> bool {
    matches!(
        w,
        "halo"
            | "hallo"
            | "hai"
            | "hi"
            | "hello"
            | "pagi"
            | "siang"
            | "sore"
            | "malam"
            | "selamat"
            | "assalamualaikum"
            | "assalamu'alaikum"
            | "asalamualaikum"
            | "salam"
            | "sampurasun"
            | "punten"
            | "permisi"
            | "sugeng"
            | "enjing"
            | "sonten"
            | "dalu"
            | "wilujeng"
            | "enjing,"
            | "met"
            | "misi"
            | "kulonuwun"
            | "rahayu"
            | "wassalamualaikum"
            | "p"
            | "ping"
    ) || thanks(w)
}

/// Thanks: "makasih", "matur nuwun", "hatur nuhun" (answered like a greeting).
pub fn thanks(w: &str) -> bool {
    matches!(
        w,
        "makasih"
            | "makasi"
            | "mksh"
            | "trims"
            | "trimakasih"
            | "terimakasih"
            | "thanks"
            | "thank"
            | "thx"
            | "tengkyu"
            | "nuwun"
            | "suwun"
            | "nuhun"
            | "hatur"
            | "matur"
    )
}

/// Words that only carry the tone of a message ("ya", "dong", "tolong").
pub fn filler(w: &str) -> bool {
    matches!(
        w,
        "ya" | "yah"
            | "yaa"
            | "dong"
            | "deh"
            | "sih"
            | "nih"
            | "tuh"
            | "lah"
            | "kok"
            | "tolong"
            | "mohon"
            | "aja"
            | "saja"
            | "wae"
            | "bae"
            | "mawon"
            | "nya"
            | "nggih"
            | "njih"
            | "euy"
            | "atuh"
            | "mah"
            | "ok"
            | "oke"
            | "okay"
            | "sip"
            | "siap"
            | "kak"
            | "gan"
            | "sis"
            | "bos"
            | "boss"
            | "juragan"
            | "lho"
            | "loh"
            | "kan"
            | "toh"
            | "to"
            | "yo"
            | "sing"
            | "nu"
            | "anu"
            | "eh"
            | "ah"
            | "hmm"
            | "hm"
            | "wkwk"
            | "hehe"
            | "sekarang"
            | "saiki"
            | "ayeuna"
            | "skrg"
            | "kini"
            | "ini"
            | "iki"
            | "ieu"
            | "itu"
            | "iku"
            | "eta"
            | "yang"
            | "sing,"
            | "tadi"
            | "mau"
            | "ke"
            | "kan,"
            | "lagi"
            | "yg"
            | "buat"
            | "untuk"
            | "kanggo"
            | "pikeun"
            | "dengan"
            | "pake"
            | "pakai"
            | "jadi"
            | "dadi"
            | "janten"
            | "di"
            | "ning"
            | "dina"
            | "nang"
            | "terus"
            | "trus"
            | "kemudian"
            | "habis"
            | "abis"
            | "sama"
            | "karo"
            | "jeung"
            | "bu"
            | "pak"
            | "pagi"
            | "siang"
            | "sore"
            | "malam"
            | "kulo"
            | "kula"
            | "badhe"
            | "arep"
            | "nanti"
            | "ntar"
            | "entar"
            | "mangke"
            | "engke"
            | "diambil"
            | "dianter"
            | "diantar"
            | "nggo"
            | "dinggo"
            | "gawe"
            | "ulang"
            | "saking"
            | "punya"
            | "punyanya"
            | "gadah"
            | "boga"
            | "ternyata"
            | "jebule"
            | "jebul"
            | "tibake"
            | "siapin"
            | "siapkan"
            | "disiapin"
            | "disiapkan"
            | "siapake"
            | "karena"
            | "soalnya"
            | "soale"
            | "sabab"
            | "krana"
            | "sebenernya"
            | "sebenarnya"
            | "sakjane"
            | "sajatosna"
            | "sabenerna"
            | "aslinya"
            | "pisan"
            | "banget"
            | "bgt"
            | "banyak"
            | "dhuwit"
            | "duit"
            | "uang"
            | "bisa"
            | "bisakah"
            | "antar"
            | "anter"
            | "antarkan"
            | "anterin"
            | "kirim"
            | "kirimin"
            | "dikirim"
            | "rumah"
            | "acara"
            | "hajatan"
    )
}

/// Words that join items ("3 indomie dan 2 teh").
pub fn joiner(w: &str) -> bool {
    matches!(
        w,
        "dan"
            | "sama"
            | "karo"
            | "jeung"
            | "&"
            | "+"
            | ","
            | ";"
            | "plus"
            | "lan"
            | "serta"
            | "tambah"
            | "and"
            | "ditambah"
    )
}

/// A title before a name: "bu sri", "pak budi", "mas joko", "teh euis".
pub fn honorific(w: &str) -> bool {
    matches!(
        w,
        "bu" | "ibu"
            | "bapak"
            | "pak"
            | "mas"
            | "mbak"
            | "mba"
            | "kak"
            | "bang"
            | "abang"
            | "teh"
            | "aa"
            | "akang"
            | "kang"
            | "ceu"
            | "mang"
            | "bi"
            | "bibi"
            | "om"
            | "tante"
            | "cik"
            | "koh"
            | "ci"
            | "dek"
            | "neng"
            | "ujang"
            | "uda"
            | "uni"
            | "mbok"
            | "mbah"
            | "nek"
            | "kek"
            | "pakde"
            | "bude"
            | "bulik"
            | "paklik"
            | "cak"
            | "ning"
            | "bli"
            | "encik"
            | "haji"
            | "lik"
            | "yu"
            | "mbakyu"
            | "pk"
            | "bpk"
            | "pa"
            | "ko"
            | "koko"
            | "ce"
            | "cece"
            | "bu'"
            | "buk"
            | "mak"
            | "emak"
            | "engkong"
            | "opung"
            | "amang"
            | "teteh"
            | "mpok"
            | "budhe"
            | "dik"
            | "hj"
    )
}

/// Expense categories by the words that name them.
pub fn expense_category(w: &str) -> Option<&'static str> {
    Some(match w {
        "listrik" | "pln" | "token" | "air" | "pdam" | "internet" | "wifi" | "indihome"
        | "pulsa" | "telepon" | "telpon" | "kuota" | "gas" | "elpiji" | "lpg" => "utilities",
        "sewa" | "kontrakan" | "kontrak" | "kos" | "lapak" | "kios" | "ruko" | "nyewa"
        | "sewaan" => "rent",
        "gaji" | "upah" | "bayaran" | "honor" | "thr" | "karyawan" | "pegawai" | "penjaga"
        | "pekerja" | "buruh" | "kuli" | "gajian" | "bonus" => "salary",
        "bensin" | "solar" | "pertalite" | "pertamax" | "bbm" | "ongkos" | "kirim" | "ojek"
        | "gojek" | "grab" | "angkot" | "transport" | "transportasi" | "parkir" | "tol"
        | "bengkel" | "angkut" | "antar" | "ekspedisi" | "becak" | "truk" | "motor" | "mobil"
        | "oli" | "kiriman" | "ojeg" | "ojol" => "transport",
        "kantong" | "plastik" | "kresek" | "kertas" | "nota" | "struk" | "rafia" | "lakban"
        | "karet" | "tali" | "styrofoam" | "mika" | "sedotan" | "tisu" | "sabun" | "atk"
        | "perlengkapan" | "kemasan" | "gelas" | "cup" | "sendok" | "bungkus" | "dus" | "label"
        | "timbangan" | "sapu" | "lampu" => "supplies",
        "retribusi" | "iuran" | "pajak" | "admin" | "biaya" | "keamanan" | "kebersihan"
        | "sampah" | "pungutan" | "restribusi" | "bank" | "transfer" | "materai" | "denda"
        | "potongan" | "komisi" | "kas" | "arisan" => "fees",
        "sumbangan" | "nyumbang" | "sumbang" | "amplop" | "sedekah" | "sodakoh" | "zakat"
        | "infak" | "infaq" | "donasi" | "layatan" | "takziah" | "nikahan" | "kondangan"
        | "buwuh" | "sumbangane" | "servis" | "service" | "perbaikan" | "reparasi" | "tukang" => {
            "other"
        }
        _ => return None,
    })
}

/// One word meaning "for each": "sebiji", "perkilo", "satunya" (before or after a figure).
pub fn per_unit_word(w: &str) -> bool {
    matches!(
        w,
        "sebiji"
            | "sebuah"
            | "satunya"
            | "perbiji"
            | "perkilo"
            | "perkg"
            | "perbungkus"
            | "perpcs"
            | "perliter"
    )
}

/// Words that mark the figure after them as the price of one unit.
pub fn per_unit_marker(w: &str) -> bool {
    per_unit_word(w)
        || matches!(
            w,
            "@" | "per"
                | "x"
                | "a"
                | "satuan"
                | "/"
                | "peran"
                | "sakilo"
                | "sakilona"
                | "sekilonya"
                | "sekilo"
                | "sekg"
                | "sebungkus"
                | "seliter"
                | "sabungkus"
                | "sabiji"
                | "sawiji"
                | "saliter"
                | "sebotol"
                | "masing"
                | "masing2"
                | "@nya"
        )
}

/// Words that mark the figure after them as the total of the line or message.
pub fn total_marker(w: &str) -> bool {
    matches!(
        w,
        "total"
            | "totalnya"
            | "semua"
            | "semuanya"
            | "jumlah"
            | "jumlahnya"
            | "kabeh"
            | "kabehe"
            | "sadaya"
            | "sadayana"
            | "sakabeh"
            | "sakabehna"
            | "totale"
            | "totalna"
            | "jadinya"
            | "seluruhnya"
            | "habis"
            | "abis"
    )
}
