from django import forms

from branches.models import Role
from core.workbook import ORG_TREE, size_error


class OrgImportUploadForm(forms.Form):
    file = forms.FileField(label="组织树工作簿（.xlsx）", error_messages={"required": "请选择要导入的 Excel 文件。"})

    def clean_file(self):
        f = self.cleaned_data["file"]
        if message := size_error(f.size, ORG_TREE):  # the cap table's limit
            raise forms.ValidationError(message)
        return f


class OrgImportConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", error_messages={"invalid": "导入编号无效，请重新上传文件。"})


class CreateUserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False), min_length=1,
                               strip=False, help_text="至少 8 位，不能过于简单。")


class AssignRoleForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    org_code = forms.CharField(label="组织编码", max_length=64, required=False,
                               help_text="上级党组织评定人、支部书记必填；组织部工作人员不填。")


class ResetPasswordForm(forms.Form):
    user_id = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(label="新密码", widget=forms.PasswordInput(render_value=False), strip=False)


class RemoveRoleForm(forms.Form):
    assignment_id = forms.IntegerField(widget=forms.HiddenInput)
