#include "session/phrases.hpp"

#include "session/text_utils.hpp"

namespace ca::session {

namespace {

// A marker must start a word: "да?" is a question tag, "когда?" is not.
bool starts_word(std::string_view text, size_t at) {
  if (at == 0) return true;
  size_t lead = at - 1;
  while (lead > 0 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) --lead;
  const auto b = static_cast<unsigned char>(text[lead]);
  if (b < 0x80) return !((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '\'');
  // Latin-1 letters (C3) and the Cyrillic block (D0..D3) are letters; other scripts do not occur.
  return !(b == 0xC3 || (b >= 0xD0 && b <= 0xD3));
}

Phrases make_uk() {
  Phrases p;
  p.greeting =
      "Добрий день! Інтернет-магазин шин, мене звати Олена. Зверніть увагу, що цей дзвінок обробляється "
      "автоматичною системою. Чим можу вам допомогти?";
  p.reprompt = "Я на зв'язку. Якщо маєте запитання — я слухаю.";
  p.reprompt_confirm = "Перепрошую, не розчула. Скажіть, будь ласка, «так», щоб підтвердити, або «ні», щоб змінити.";
  p.still_there = "Ви ще на лінії?";
  p.farewell = "Дякую за дзвінок! До побачення!";
  p.max_duration_farewell =
      "На жаль, час розмови вичерпано. Якщо у вас залишилися запитання, зателефонуйте, будь ласка, ще раз. "
      "Дякую за дзвінок! До побачення!";
  p.fillers = {"Секундочку.", "Хвилинку.", "Зараз.", "Одну мить."};
  p.tool_wait = "Зачекайте, будь ласка, я перевіряю.";
  p.transfer = "З'єдную вас з оператором, залишайтеся на лінії.";
  p.transfer_failed = "На жаль, зараз оператори недоступні. Залиште, будь ласка, ваш номер — ми передзвонимо.";
  p.llm_error = "Перепрошую, виникла технічна помилка. Спробуйте, будь ласка, зателефонувати ще раз.";
  p.not_heard = "Перепрошую, не почула. Скажіть, будь ласка, ще раз.";
  p.tool_timeout_result = R"({"error":"Сервіс тимчасово не відповідає, спробуйте ще раз"})";
  p.confirmation_markers = {"підтверджуєте", "підтвердіть", "вірно?", "так?", "правильно?", "згодні",
                            "записуємо туди", "підходить?", "влаштовує?", "оформлюємо?", "записую?"};
  return p;
}

Phrases make_ru() {
  Phrases p;
  p.greeting =
      "Добрый день! Интернет-магазин шин, меня зовут Елена. Обратите внимание, что этот звонок обрабатывается "
      "автоматической системой. Чем могу вам помочь?";
  p.reprompt = "Я на связи. Если у вас есть вопросы — я слушаю.";
  p.reprompt_confirm =
      "Извините, не расслышала. Скажите, пожалуйста, «да», чтобы подтвердить, или «нет», чтобы изменить.";
  p.still_there = "Вы ещё на линии?";
  p.farewell = "Спасибо за звонок! До свидания!";
  p.max_duration_farewell =
      "К сожалению, время разговора истекло. Если у вас остались вопросы, позвоните, пожалуйста, ещё раз. "
      "Спасибо за звонок! До свидания!";
  p.fillers = {"Секундочку.", "Минутку.", "Сейчас.", "Одну секунду."};
  p.tool_wait = "Подождите, пожалуйста, я проверяю.";
  p.transfer = "Соединяю вас с оператором, оставайтесь на линии.";
  p.transfer_failed = "К сожалению, сейчас операторы недоступны. Оставьте, пожалуйста, ваш номер — мы перезвоним.";
  p.llm_error = "Извините, возникла техническая ошибка. Попробуйте, пожалуйста, позвонить ещё раз.";
  p.not_heard = "Извините, не расслышала. Скажите, пожалуйста, ещё раз.";
  p.tool_timeout_result = R"({"error":"Сервис временно не отвечает, попробуйте ещё раз"})";
  p.confirmation_markers = {"подтверждаете", "подтвердите", "верно?", "да?", "правильно?", "согласны",
                            "записываем туда", "подходит?", "устраивает?", "оформляем?", "записываю?"};
  return p;
}

Phrases make_en() {
  Phrases p;
  p.greeting = "Hello, this is Olena, the tyre shop's automated assistant. How can I help?";
  p.reprompt = "I'm still here. If you have any questions, I'm listening.";
  p.reprompt_confirm = "Sorry, I didn't catch that. Please say \"yes\" to confirm or \"no\" to change it.";
  p.still_there = "Are you still on the line?";
  p.farewell = "Thank you for calling! Goodbye!";
  p.max_duration_farewell =
      "I'm sorry, we've reached the time limit for this call. If you have more questions, please call again. "
      "Thank you for calling! Goodbye!";
  p.fillers = {"One moment.", "Just a second.", "Let me see.", "One second, please."};
  p.tool_wait = "Please hold on, I'm checking.";
  p.transfer = "I'm connecting you to an operator, please stay on the line.";
  p.transfer_failed = "Unfortunately, no operators are available right now. Please leave your number and we'll call you back.";
  p.llm_error = "I'm sorry, a technical error occurred. Please try calling again.";
  p.not_heard = "Sorry, I didn't hear you. Could you say that again, please?";
  p.tool_timeout_result = R"({"error":"The service is not responding right now, please try again"})";
  p.confirmation_markers = {"do you confirm", "can you confirm", "confirm?", "correct?", "right?", "is that ok",
                            "is that okay", "does that suit you", "does that work for you", "do you agree",
                            "agreed?", "shall i book"};
  return p;
}

}  // namespace

const Phrases &default_phrases(std::string_view language) {
  static const Phrases uk = make_uk();
  static const Phrases ru = make_ru();
  static const Phrases en = make_en();
  const std::string code = to_lower_utf8(language.substr(0, language.find_first_of("-_")));
  if (code == "ru") return ru;
  if (code == "en") return en;
  return uk;
}

bool asks_confirmation(std::string_view bot_text, const Phrases &phrases) {
  const std::string text = to_lower_utf8(bot_text);
  for (const std::string &m : phrases.confirmation_markers) {
    if (m.empty()) continue;
    const std::string marker = to_lower_utf8(m);
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      if (starts_word(text, at)) return true;
    }
  }
  return false;
}

}  // namespace ca::session
