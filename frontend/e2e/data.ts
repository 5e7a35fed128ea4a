/** The files the end-to-end test uploads, as users have them: Chinese text without any Latin letters
 * or digits, a table with Chinese values, a large table converted in the background, Chinese chat
 * data for fine-tuning (and a chat file with a bad row). */

/** Three well-separated classes, a categorical column and a few blanks: 240 rows. */
export function irisCsv(): string {
  const lines = ["sepal,petal,colour,species"];
  const names = ["setosa", "versicolor", "virginica"];
  for (let i = 0; i < 240; i++) {
    const k = i % 3;
    const jitter = ((i * 37) % 17) / 17;
    const sepal = (4.5 + k * 1.2 + jitter).toFixed(2);
    const petal = i % 41 === 5 ? "" : (1 + k * 2 + jitter).toFixed(2);
    lines.push(`${sepal},${petal},${["红", "绿", "蓝"][(i + k) % 3]},${names[k]}`);
  }
  return lines.join("\n") + "\n";
}

const GOOD = ["质量很好", "非常满意", "物流很快", "推荐购买", "好用实惠", "包装精美", "客服耐心", "做工扎实"];
const BAD = ["质量太差", "非常失望", "物流很慢", "不推荐", "坏了退货", "包装破损", "客服冷淡", "做工粗糙"];
const OPENERS = ["这次买的", "朋友推荐的", "第一次买", "又回购了", "给家里买的", "双十一买的"];

/** Short Chinese reviews with no Latin letter or digit anywhere (header included), two classes of
 * 48 distinct texts each. */
export function reviewsCsv(oneClass = false): string {
  const lines = ["内容,类别"];
  for (let i = 0; i < 96; i++) {
    const positive = oneClass || i % 2 === 0;
    const words = positive ? GOOD : BAD;
    const j = Math.floor(i / 2);
    const text = `${OPENERS[j % OPENERS.length]}${words[Math.floor(j / OPENERS.length) % words.length]}，${words[(j + 3) % words.length]}`;
    lines.push(`${text},${positive ? "好评" : "差评"}`);
  }
  const csv = lines.join("\n") + "\n";
  if (/[A-Za-z0-9]/.test(csv)) throw new Error("the review CSV must hold no Latin letters or digits");
  return csv;
}

/** 4000 sales rows (about 120 KB, above the inline limit); `ragged` adds a field to one row. */
export function salesCsv({ ragged = false } = {}): string {
  const lines = ["地区,数量,单价,渠道"];
  const regions = ["华东", "华北", "华南", "西南"];
  for (let i = 0; i < 4000; i++) {
    lines.push(`${regions[i % 4]},${((i * 7) % 50) + 1},${(10 + ((i * 13) % 90) / 10).toFixed(2)},${i % 3 ? "线上" : "门店"}`);
  }
  if (ragged) lines[3001] += ",多余";
  return lines.join("\n") + "\n";
}

const PRODUCTS = ["保温杯", "蓝牙耳机", "电饭煲", "台灯", "双肩包"];
const ANSWERS: [string, string][] = [
  ["什么时候发货？", "您好，下单后两天内发货，发货后会短信通知您。"],
  ["可以七天无理由退货吗？", "可以的，商品未使用、包装完好即可申请退货。"],
  ["能开发票吗？", "可以开电子发票，请在订单页填写抬头。"],
  ["保修多久？", "整机保修一年，保修期内免费维修。"],
  ["怎么联系人工客服？", "工作日九点到十八点，在订单页点击联系客服即可。"],
  ["有别的颜色吗？", "目前有黑色、白色和灰色，详情页可以选择。"],
  ["包邮吗？", "全国包邮，偏远地区除外。"],
  ["坏了怎么办？", "非常抱歉，请拍照发给我们，我们马上为您换新。"],
];

/** Customer-service answers in Chinese as alpaca JSONL (instruction, input, output): 40 rows. */
export function alpacaJsonl(): string {
  const rows = PRODUCTS.flatMap((product) =>
    ANSWERS.map(([question, answer]) => ({
      instruction: "你是网店客服，请礼貌地回答顾客的问题。",
      input: `顾客：我买的${product}${question}`,
      output: answer,
    })),
  );
  return rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
}

/** OpenAI `messages` JSONL whose third conversation has no assistant answer. */
export function chatWithoutAnswerJsonl(): string {
  const rows = ANSWERS.slice(0, 5).map(([question, answer], i) => ({
    messages: i === 2
      ? [{ role: "user", content: question }]
      : [{ role: "user", content: question }, { role: "assistant", content: answer }],
  }));
  return rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
}

const PRAISE = ["质量很好", "做工很好", "物流好快", "味道很好", "颜色好看", "穿着舒服好看", "价格实惠好用", "客服态度好"];
const LIKED = ["很喜欢这个颜色", "孩子特别喜欢", "家里人都喜欢", "喜欢这种设计"];
const COMPLAINTS = ["质量太差", "物流太慢", "包装破损", "做工粗糙", "味道难闻", "尺码偏小", "客服冷淡", "颜色发暗", "用了两天就坏", "退货麻烦"];
const BUYERS = ["这次买的", "朋友推荐的", "第一次买"];

/** Customer reviews for a teacher to label, with no Latin letter or digit anywhere, praise and
 * complaints taking turns: 24 praise with 好, 30 complaints (10 of them about what a friend
 * recommended, 推荐), then 4 that say only 喜欢 and 1 that says 不喜欢 (a keyword teacher gets it
 * wrong). Column 评论. */
export function teacherReviewsCsv(): string {
  const praise = BUYERS.flatMap((buyer) => PRAISE.map((text) => `${buyer}${text}`));
  const complaints = BUYERS.flatMap((buyer) => COMPLAINTS.map((text) => `${buyer}${text}`));
  const texts = [
    ...complaints.flatMap((complaint, i) => (i < praise.length ? [praise[i], complaint] : [complaint])),
    ...LIKED,
    "收到以后发现不喜欢这个颜色",
  ];
  const csv = ["评论", ...texts].join("\n") + "\n";
  if (/[A-Za-z0-9]/.test(csv)) throw new Error("the review CSV must hold no Latin letters or digits");
  return csv;
}
