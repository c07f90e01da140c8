k = ("AKIAABCDEFGH"
     "JKLMNOP")
s = ''.join(['abcdefghij', 'klmnopqrst'])
t = "".join(("abcdefghij", "klmnopqrs"))
