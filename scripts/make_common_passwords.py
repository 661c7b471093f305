"""Write tracker/data/common-passwords.txt: well-known weak passwords and the patterns
people build them from (no download: the list is generated from these seeds).

    .venv/bin/python scripts/make_common_passwords.py
"""

from pathlib import Path

from tracker.text import fold

OUT = Path(__file__).resolve().parent.parent / "tracker" / "data" / "common-passwords.txt"

WORDS = """
password passw0rd p@ssword p@ssw0rd pass passwd letmein welcome welcome1 admin administrator
root toor user guest login master secret default changeme qwerty qwertyuiop asdfgh asdfghjkl
zxcvbn zxcvbnm azerty iloveyou loveyou trustno1 dragon monkey football baseball soccer
superman batman spiderman princess sunshine shadow michael jennifer jordan hunter harley
ranger buster thomas robert daniel andrew charlie matthew computer internet samsung apple
google facebook whatever freedom starwars pokemon naruto killer hello hellokitty flower
abc abcd abcdef abcdefgh abcdefghijkl abc123 abcd1234 a1b2c3 q1w2e3 q1w2e3r4 1q2w3e4r
1qaz2wsx 1qazxsw2 zaq12wsx zaq1xsw2 qazwsx qazwsxedc 123qwe 123abc aaa111 test tester
testing demo office system server database secure security access private money love
lovely baby angel summer winter spring autumn monday friday happy lucky cookie chocolate
matkhau matkhau123 mat khau anhyeuem emyeuanh yeuem yeuanh anhyeuemnhieu iloveu
vietnam vietnamvodich hanoi saigon hochiminh danang hue quangngai quangnam tinhyeu
hanhphuc thanhcong giadinh banbe bomay chiyeuminhem xinchao xinchaovietnam conyeu
nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly
minh anh linh huong trang thao ngoc tuan hung dung nam long hai son thanh phuong
uyen hoa lan mai tien quang duc trung hieu khanh vy nhung yen hanh hien
ubnd ubndtinh vanphong sothongtin congchuc vienchuc canbo tracker dieuhanh
""".split()  # noqa: SIM905 (a word list is easier to read this way)

NUMBERS = [
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "0987654321",
    "987654321",
    "111111",
    "000000",
    "666666",
    "888888",
    "999999",
    "112233",
    "121212",
    "123123",
    "123321",
    "654321",
    "7777777",
    "11111111",
    "88888888",
    "147258369",
    "159753",
    "1357924680",
    "2468",
    "01",
    "69",
    "99",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
    "1990",
    "1995",
    "2000",
    "@123",
    "!",
    "!!",
    "@",
    "#",
    "123!",
    "123@",
    "1234!",
    "@2024",
    "@2025",
    "@2026",
]

KEYBOARD = [
    "qwertyuiop",
    "qwertyuiopas",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "qwerty123456",
    "q1w2e3r4t5y6",
    "asdf1234asdf",
    "zaq1xsw2cde3",
    "1234qwerasdf",
    "qwer1234qwer",
    "abcdefghijklmnop",
    "aaaaaaaaaaaa",
    "111111111111",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "000000000000",
    "abcabcabcabc",
    "123123123123",
    "qweasdzxc123",
    "qweasdzxcqwe",
    "passwordpassword",
    "iloveyouiloveyou",
]


def candidates():
    yield from KEYBOARD
    yield from NUMBERS
    for word in WORDS:
        yield word
        yield word * 2
        for number in NUMBERS:
            yield word + number


def main() -> None:
    seen = sorted({fold(c).replace(" ", "") for c in candidates()})
    OUT.parent.mkdir(exist_ok=True)
    header = "# Weak passwords refused by tracker.password_policy (folded, generated).\n"
    OUT.write_text(header + "\n".join(seen) + "\n", encoding="utf-8")
    print(f"{len(seen)} entries written to {OUT}")


if __name__ == "__main__":
    main()
