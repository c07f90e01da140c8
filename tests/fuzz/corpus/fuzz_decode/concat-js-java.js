const a = 'ABCDEFGHIJKL' + 'MNOPQRSTUV';
const b = ['abcdefghijklm', 'nopqrstuv'].join('');
const c = `ABCDEFGHIJ` +
  `KLMNOPQRS`;
String s = "abcdefghijk" +
    "lmnopqrst";
