// CommonJS form: assign the function to module.exports.
const { randomUUID } = require('crypto');

module.exports = async function (input) {
  const words = String(input.text || '').split(/\s+/).filter(Boolean);
  return { id: randomUUID(), words: words.length };
};
